# koinon — English. Every key here must exist in el, bg and et (a test checks).

## Layout
skip-to-content = Skip to main content
language-switcher = Language
nav-main = Main menu
nav-dashboard = Dashboard
nav-users = Users and roles
nav-organisations = Organisations
nav-networks = Networks and partners
nav-audit = Audit log
nav-account = Your account
sign-in = Sign in
sign-out = Sign out
footer-api = JSON API (OpenAPI)
footer-licence = koinon is open-source software for municipalities and their partners.
error-prefix = Error
error-summary-title = There is a problem

## Home
home-title = Commission, finance and evidence social services together
home-lead = koinon helps municipalities and their networks work with NGOs, social enterprises, investors and citizens: outcomes contracts and social impact bonds, a social-assistance e-currency, calls for social-innovation grants, a citizen portal and EU-funded networks — with every cent in one exact ledger.
home-modules = What koinon does
home-municipalities = Municipalities on this koinon
home-no-municipalities = No municipality has been set up yet.
module-outcomes = Outcomes contracts
module-outcomes-body = rate cards, outcome claims and verification, payment runs and investor returns.
module-currency = Social e-currency
module-currency-body = assistance paid in a local currency, spent at accredited social-economy shops.
module-grants = Grants and services
module-grants-body = calls for proposals, scoring and awards, and the registry of outsourced social services.
module-portal = Citizen portal
module-portal-body = rent, taxes, benefits, wallet and NGO services in one place.
module-network = Networks
module-network-body = networks of municipalities, their EU-funded projects, partners and budgets.

## Sign in
sign-in-title = Sign in
field-email = Email address
field-password = Password
flash-signed-in = You are signed in.
flash-signed-out = You are signed out.

## Dashboard
dashboard-title = Dashboard
dashboard-signed-in-as = You are signed in with the role: { $role }.
dashboard-last-change = Last change

## Fields
field-name = Name
field-country = Country
field-currency = Currency

## Roles
role-admin = Administrator
role-officer = Officer
role-approver = Approver
role-reviewer = Reviewer or evaluator
role-provider = Service provider
role-investor = Investor
role-merchant = Merchant
role-beneficiary = Citizen
role-auditor = Auditor

## Organisation kinds
org-kind-ngo = NGO
org-kind-social-enterprise = Social enterprise
org-kind-investor = Investor
org-kind-landlord = Landlord
org-kind-merchant = Merchant
org-kind-public-body = Public body

## Field errors, by code
field-error-required = Enter this information
field-error-too-long = This is too long
field-error-invalid-email = Enter an email address in the correct format, like name@example.org
field-error-wrong-credentials = Email address or password is not right
field-error-too-many-attempts = Too many attempts to sign in: wait 15 minutes and try again
field-error-password-too-short = Password must be 12 characters or more
field-error-password-too-long = Password must be 128 characters or fewer
field-error-wrong-password = Current password is not right
field-error-already-exists = This already exists
field-error-invalid-role = Choose a role from the list
field-error-invalid-organisation-kind = Choose a kind of organisation from the list
field-error-invalid-date = Enter a real date, like 2019-10-07
field-error-ends-before-start = End date must be on or after the start date
field-error-invalid-country = Enter a two-letter country code, like NL or GR
field-error-unknown-tenant = There is no municipality with this code
field-error-unknown-organisation = Choose an organisation of this municipality
field-error-invalid-characters = Remove control characters
field-error-cannot-demote-self = You cannot remove your own administrator role or disable yourself
field-error-invalid-locale = Choose a language from the list

## Errors
error-go-home = Go to the home page
error-invalid-title = Check what you entered
error-invalid-body = Some of what you entered could not be used.
error-bad-form-body = The form could not be read. Go back and try again.
error-too-large-body = What you sent is too large.
error-signin-title = Sign in to continue
error-signin-body = You need to sign in to see this page.
error-forbidden-title = You cannot see this page
error-forbidden-body = Your role does not allow this. Ask an administrator of your municipality if you need it.
error-not-found-title = Page not found
error-not-found-body = If you typed the web address, check it is correct.
error-conflict-title = This already exists
error-conflict-body = Something with the same name or code already exists.
error-throttled-title = Too many attempts
error-throttled-body = Wait 15 minutes and try again.
error-server-title = Sorry, there is a problem with the service
error-server-body = Try again later. What you entered has not been saved.
error-csrf-title = The form has expired
error-csrf-body = For your security the form could not be sent. Go back, reload the page and try again.

## Accessibility statement
accessibility-title = Accessibility statement
accessibility-intro = koinon is made to be used by as many people as possible, on a cheap phone, without JavaScript, in your language and with a screen reader.
accessibility-how-title = How accessible this service is
accessibility-how-zoom = You can zoom in up to 400% without the text spilling off the screen.
accessibility-how-keyboard = You can use every page with a keyboard alone; the focus is always visible.
accessibility-how-screen-reader = Pages have headings, landmarks, labelled fields and error messages linked to the fields they are about.
accessibility-how-no-js = Every page and form works without JavaScript.
accessibility-how-language = You can choose your language on every page; right-to-left scripts are supported.
accessibility-status-title = Compliance status
accessibility-status-body = This service aims to meet the Web Content Accessibility Guidelines (WCAG) 2.2 at level AA.
accessibility-testing-title = How we test
accessibility-testing-body = Every release is checked by automated tests that open each page in a browser and run the axe-core accessibility rules on it, in English and in Greek.
accessibility-contact-title = Reporting problems
accessibility-contact-body = If you find a problem, tell the administrator of your municipality. They will reply within 5 working days.

## Ledger
nav-ledger = Ledger
ledger-title = Ledger
ledger-intro = Every movement of money is a transfer between two accounts of the same ledger. Per ledger, what was debited equals what was credited.
ledger-none = This municipality has no ledger yet.
ledger-totals-caption = Totals per ledger
ledger-ledger = Ledger
ledger-accounts = Accounts
ledger-debits-posted = Debits
ledger-credits-posted = Credits
ledger-pending = Held (pending)
ledger-balanced = Balanced
ledger-yes = Yes
ledger-no = No
ledger-account-title = Ledger account
ledger-account-type = Type
ledger-owner = Owner
ledger-net = Balance
ledger-held = Held for payments out
ledger-incoming-held = Held for payments in
ledger-statement = Statement
ledger-statement-none = No transfers yet.
ledger-when = When
ledger-reason = Reason
ledger-kind = Kind
ledger-in = In
ledger-out = Out
