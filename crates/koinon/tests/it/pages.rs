//! HTML pages: users and roles, organisations, networks, audit log, account.
