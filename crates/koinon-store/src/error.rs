#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule refused the write; `constraint` names the rule (`users_email_key`).
    #[error("already exists ({constraint})")]
    Conflict { constraint: String },
    /// A row that must exist does not.
    #[error("not found: {0}")]
    NotFound(String),
    /// A foreign key or check refused the write.
    #[error("refused by the database: {0}")]
    Constraint(String),
    /// The database file or server could not be reached or opened.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A backup file that does not read as one.
    #[error("backup file: {0}")]
    Backup(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &err {
            let constraint = db.constraint().map(str::to_string);
            match db.kind() {
                sqlx::error::ErrorKind::UniqueViolation => {
                    return StoreError::Conflict { constraint: constraint.unwrap_or_else(|| db.message().to_string()) };
                }
                sqlx::error::ErrorKind::ForeignKeyViolation
                | sqlx::error::ErrorKind::CheckViolation
                | sqlx::error::ErrorKind::NotNullViolation => {
                    return StoreError::Constraint(constraint.unwrap_or_else(|| db.message().to_string()));
                }
                _ => {}
            }
        }
        match err {
            sqlx::Error::RowNotFound => StoreError::NotFound("row".into()),
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
                StoreError::Unavailable(err.to_string())
            }
            other => StoreError::Database(other),
        }
    }
}

impl StoreError {
    /// True when a uniqueness rule whose name or message mentions `needle` refused the write.
    pub fn is_conflict_on(&self, needle: &str) -> bool {
        matches!(self, StoreError::Conflict { constraint } if constraint.contains(needle))
    }
}
