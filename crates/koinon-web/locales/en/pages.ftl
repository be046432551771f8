# koinon — English: users, organisations, networks, audit log and account pages.
# Every key here must exist in el, bg and et (a test checks).

## Shared
none-value = None
pagination-label = Pages
pagination-next = Next page
save-changes = Save changes
field-display-name = Name
field-role = Role
field-organisation = Organisation
field-status = Status
field-kind = Kind of organisation
field-email-optional = Email address (optional)
field-municipality = Municipality
hint-password = Use 12 characters or more. A few unrelated words make a good password.

## Users
users-title = Users and roles
users-none = There are no users yet.
user-new-title = Add a user
user-edit-title = User
user-edit-heading = Change role and access
user-create-button = Add user
user-status-active = Active
user-status-disabled = Disabled
back-to-users = Back to users
choose-role = Choose a role
no-organisation = No organisation
hint-user-organisation = Only for service providers, investors and merchants: the organisation they act for.
field-initial-password = Initial password
field-disabled = Account disabled
hint-disabled = A disabled user cannot sign in.
flash-user-created = The user has been added.
flash-user-updated = The user has been changed.

## Organisations
organisations-title = Organisations
organisations-none = There are no organisations yet.
organisation-new-title = Add an organisation
organisation-title = Organisation
organisation-create-button = Add organisation
back-to-organisations = Back to organisations
choose-kind = Choose a kind
flash-organisation-created = The organisation has been added.

## Networks
networks-title = Networks and partners
networks-none = There are no networks yet.
network-new-title = Add a network
network-title = Network
network-create-button = Add network
back-to-networks = Back to networks
field-programme = Programme
hint-programme = The funding programme, like URBACT or INTERREG Europe.
field-starts-on = Start date
field-ends-on = End date
field-starts-on-optional = Start date (optional)
field-ends-on-optional = End date (optional)
hint-date = Year, month and day, like 2019-10-07
partners-heading = Partners
partners-none = This network has no partners yet.
partner-lead-tag = Lead partner
partner-add-heading = Add a partner
partner-add-button = Add partner
field-partner-name = Name of the partner
field-tenant-code = Code on koinon
field-tenant-code-optional = Code on koinon (optional)
hint-country = Two letters, like NL or GR
hint-tenant-code = If the partner is a municipality on this koinon, its code, like heerlen.
field-is-lead = This partner is the lead partner
flash-network-created = The network has been added.
flash-partner-added = The partner has been added.

## Audit log
audit-title = Audit log
audit-lead = Every change is recorded here, newest first. Each entry carries a hash of the one before it, so that no entry can be changed or removed unnoticed.
audit-caption = Audit entries, newest first
audit-none = There are no entries yet.
audit-entry = Entry
audit-time = Time
audit-actor = By
audit-action = Action
audit-object = Object
audit-summary = Details
audit-hash = Hash
audit-older = Older entries

## Account
account-title = Your account
account-password-heading = Change your password
account-password-lead = Your other sessions will be signed out.
field-current-password = Current password
field-new-password = New password
field-confirm-password = Confirm new password
account-password-button = Change password
flash-password-changed = Your password has been changed.

## Field errors, by code
field-error-passwords-do-not-match = The passwords do not match
field-error-email-in-use = A user with this email address already exists
field-error-name-in-use = There is already one with this name
field-error-partner-in-network = This network already has a partner with this name
field-error-lead-partner-exists = This network already has a lead partner
field-error-too-many-partners = This network has as many partners as it can have
field-error-invalid-tenant-code = Enter a code of lower-case letters, digits or hyphens, like baia-mare
field-error-invalid-cursor = This page link is not valid
