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

# Outcomes payment calculator
nav-outcomes-calculator = Outcomes calculator
outcomes-calculator-title = Outcomes payment calculator
outcomes-calculator-intro = Paste an outcomes contract and its claims, participants or cohort results to see what would be due. Nothing is saved.
outcomes-calculator-examples = Start from an example:
outcomes-problems = What needs fixing
outcomes-statement = Payment statement
outcomes-contract = Contract
outcomes-mechanism = Payment mechanism
outcomes-mechanism-rate-card = Rate card: a price per verified outcome
outcomes-mechanism-comparison-threshold = Threshold against a comparison group
outcomes-mechanism-savings-share = Share of public savings, with fixed fees
outcomes-mechanism-fixed-targets = Fixed targets
outcomes-total-due = Total due
outcomes-gross-due = Due before caps
outcomes-claims = Claims
outcomes-claims-read = read
outcomes-claims-accepted = accepted
outcomes-claims-refused = refused
outcomes-by-period = By period
outcomes-by-metric = By outcome metric
outcomes-by-cohort = By cohort
outcomes-period = Period
outcomes-metric = Metric
outcomes-cohort = Cohort
outcomes-outcomes = Outcomes
outcomes-gross = Before caps
outcomes-paid = Due
outcomes-results = Results-based payments
outcomes-result-item = Cohort and measure
outcomes-measured = Measured
outcomes-threshold = Threshold
outcomes-met = Met
outcomes-met-yes = Yes
outcomes-met-no = No
outcomes-caps = Caps that cut payments
outcomes-cap = Cap
outcomes-cap-participant = Per participant
outcomes-cap-period = Per period
outcomes-cap-contract = Whole contract
outcomes-cut = Cut
outcomes-items-cut = Payments cut
outcomes-refusals = Refused claims by reason
outcomes-refused-claims = Refused claims
outcomes-reason = Reason
outcomes-line = Line
outcomes-participant = Participant
outcomes-event-on = Outcome date
outcomes-refusals-not-shown = { $count } more refused claims are counted above but not listed.
outcomes-inputs = Contract and data
outcomes-field-contract = Contract (TOML)
outcomes-hint-contract = The contract file as docs/outcomes.md describes it.
outcomes-field-participants = Participants (CSV, optional)
outcomes-hint-participants = Header participant,cohort,enrolled_on. Pseudonymous ids only, never names.
outcomes-field-claims = Outcome claims (CSV)
outcomes-hint-claims = Header participant,metric,event_on and optionally claimed_on and cohort; dates as YYYY-MM-DD.
outcomes-field-results = Cohort results (CSV, optional)
outcomes-hint-results = Header cohort,measure,value, for threshold, savings-share and target contracts.
outcomes-calculate-button = Work out payments
refusal-unknown-metric = The metric is not in the contract
refusal-unknown-participant = The participant is not enrolled
refusal-unknown-cohort = The cohort is not in the contract
refusal-outside-contract-dates = The outcome happened outside the contract's dates
refusal-before-enrolment = The outcome happened before the participant enrolled
refusal-claimed-before-event = The claim is dated before the outcome happened
refusal-outside-claim-window = The claim was made after the metric's claim window
refusal-duplicate-once-only = This outcome is paid once per participant and was already claimed
refusal-missing-prerequisite = A prerequisite outcome has not been verified earlier for this participant
