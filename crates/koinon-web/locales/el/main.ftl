# koinon — Ελληνικά. Κάθε κλειδί εδώ πρέπει να υπάρχει και στα en, bg και et (το ελέγχει ένα test).

## Διάταξη σελίδας
skip-to-content = Μετάβαση στο κύριο περιεχόμενο
language-switcher = Γλώσσα
nav-main = Κύριο μενού
nav-dashboard = Πίνακας ελέγχου
nav-users = Χρήστες και ρόλοι
nav-organisations = Οργανισμοί
nav-networks = Δίκτυα και εταίροι
nav-audit = Αρχείο καταγραφής ελέγχου
nav-account = Ο λογαριασμός σας
sign-in = Σύνδεση
sign-out = Αποσύνδεση
footer-api = JSON API (OpenAPI)
footer-licence = Το koinon είναι λογισμικό ανοιχτού κώδικα για δήμους και τους εταίρους τους.
error-prefix = Σφάλμα
error-summary-title = Υπάρχει πρόβλημα

## Αρχική σελίδα
home-title = Αναθέστε, χρηματοδοτήστε και τεκμηριώστε κοινωνικές υπηρεσίες από κοινού
home-lead = Το koinon βοηθά τους δήμους και τα δίκτυά τους να συνεργάζονται με ΜΚΟ, κοινωνικές επιχειρήσεις, επενδυτές και πολίτες: συμβάσεις βάσει αποτελεσμάτων και ομόλογα κοινωνικού αντίκτυπου, ηλεκτρονικό νόμισμα κοινωνικής αρωγής, προσκλήσεις για επιχορηγήσεις κοινωνικής καινοτομίας, πύλη πολιτών και δίκτυα με χρηματοδότηση της ΕΕ — με κάθε λεπτό καταγεγραμμένο σε ένα ακριβές λογιστικό βιβλίο.
home-modules = Τι κάνει το koinon
home-municipalities = Δήμοι σε αυτό το koinon
home-no-municipalities = Δεν έχει καταχωριστεί ακόμη κανένας δήμος.
module-outcomes = Συμβάσεις βάσει αποτελεσμάτων
module-outcomes-body = τιμοκατάλογοι αποτελεσμάτων, δηλώσεις αποτελεσμάτων και επαλήθευσή τους, κύκλοι πληρωμών και αποδόσεις για τους επενδυτές.
module-currency = Κοινωνικό ηλεκτρονικό νόμισμα
module-currency-body = ενισχύσεις που καταβάλλονται σε τοπικό νόμισμα και ξοδεύονται σε πιστοποιημένα καταστήματα της κοινωνικής οικονομίας.
module-grants = Επιχορηγήσεις και υπηρεσίες
module-grants-body = προσκλήσεις υποβολής προτάσεων, βαθμολόγηση και αποφάσεις χορήγησης, και το μητρώο των κοινωνικών υπηρεσιών που ανατίθενται σε τρίτους.
module-portal = Πύλη πολιτών
module-portal-body = ενοίκιο, φόροι, επιδόματα, πορτοφόλι και υπηρεσίες ΜΚΟ σε ένα μέρος.
module-network = Δίκτυα
module-network-body = δίκτυα δήμων, τα έργα τους με χρηματοδότηση της ΕΕ, οι εταίροι και οι προϋπολογισμοί τους.

## Σύνδεση
sign-in-title = Σύνδεση
field-email = Διεύθυνση email
field-password = Κωδικός πρόσβασης
flash-signed-in = Έχετε συνδεθεί.
flash-signed-out = Έχετε αποσυνδεθεί.

## Πίνακας ελέγχου
dashboard-title = Πίνακας ελέγχου
dashboard-signed-in-as = Έχετε συνδεθεί με τον ρόλο: { $role }.
dashboard-last-change = Τελευταία αλλαγή

## Πεδία
field-name = Όνομα
field-country = Χώρα
field-currency = Νόμισμα

## Ρόλοι
role-admin = Διαχειριστής
role-officer = Υπάλληλος
role-approver = Υπεύθυνος έγκρισης
role-reviewer = Κριτής ή αξιολογητής
role-provider = Πάροχος υπηρεσιών
role-investor = Επενδυτής
role-merchant = Έμπορος
role-beneficiary = Πολίτης
role-auditor = Ελεγκτής

## Είδη οργανισμών
org-kind-ngo = ΜΚΟ
org-kind-social-enterprise = Κοινωνική επιχείρηση
org-kind-investor = Επενδυτής
org-kind-landlord = Ιδιοκτήτης ακινήτων
org-kind-merchant = Έμπορος
org-kind-public-body = Δημόσιος φορέας

## Σφάλματα πεδίων, ανά κωδικό
field-error-required = Συμπληρώστε αυτό το πεδίο
field-error-too-long = Αυτό είναι πολύ μεγάλο
field-error-invalid-email = Εισαγάγετε διεύθυνση email στη σωστή μορφή, όπως name@example.org
field-error-wrong-credentials = Η διεύθυνση email ή ο κωδικός πρόσβασης δεν είναι σωστά
field-error-too-many-attempts = Πάρα πολλές προσπάθειες σύνδεσης: περιμένετε 15 λεπτά και δοκιμάστε ξανά
field-error-password-too-short = Ο κωδικός πρόσβασης πρέπει να έχει τουλάχιστον 12 χαρακτήρες
field-error-password-too-long = Ο κωδικός πρόσβασης πρέπει να έχει έως 128 χαρακτήρες
field-error-wrong-password = Ο τρέχων κωδικός πρόσβασης δεν είναι σωστός
field-error-already-exists = Αυτό υπάρχει ήδη
field-error-invalid-role = Επιλέξτε έναν ρόλο από τη λίστα
field-error-invalid-organisation-kind = Επιλέξτε ένα είδος οργανισμού από τη λίστα
field-error-invalid-date = Εισαγάγετε μια πραγματική ημερομηνία, όπως 2019-10-07
field-error-ends-before-start = Η ημερομηνία λήξης πρέπει να είναι ίδια με την ημερομηνία έναρξης ή μεταγενέστερη
field-error-invalid-country = Εισαγάγετε κωδικό χώρας με δύο γράμματα, όπως NL ή GR
field-error-unknown-tenant = Δεν υπάρχει δήμος με αυτόν τον κωδικό
field-error-unknown-organisation = Επιλέξτε έναν οργανισμό αυτού του δήμου
field-error-invalid-characters = Αφαιρέστε τους χαρακτήρες ελέγχου
field-error-cannot-demote-self = Δεν μπορείτε να αφαιρέσετε τον δικό σας ρόλο διαχειριστή ή να απενεργοποιήσετε τον δικό σας λογαριασμό
field-error-invalid-locale = Επιλέξτε μια γλώσσα από τη λίστα

## Σφάλματα
error-go-home = Μετάβαση στην αρχική σελίδα
error-invalid-title = Ελέγξτε όσα καταχωρίσατε
error-invalid-body = Ορισμένα από όσα καταχωρίσατε δεν ήταν δυνατόν να χρησιμοποιηθούν.
error-bad-form-body = Δεν ήταν δυνατή η ανάγνωση της φόρμας. Επιστρέψτε και δοκιμάστε ξανά.
error-too-large-body = Τα δεδομένα που στείλατε είναι πολύ μεγάλα.
error-signin-title = Συνδεθείτε για να συνεχίσετε
error-signin-body = Πρέπει να συνδεθείτε για να δείτε αυτή τη σελίδα.
error-forbidden-title = Δεν μπορείτε να δείτε αυτή τη σελίδα
error-forbidden-body = Ο ρόλος σας δεν το επιτρέπει. Αν χρειάζεστε πρόσβαση, απευθυνθείτε σε έναν διαχειριστή του δήμου σας.
error-not-found-title = Η σελίδα δεν βρέθηκε
error-not-found-body = Αν πληκτρολογήσατε τη διεύθυνση, ελέγξτε ότι είναι σωστή.
error-conflict-title = Αυτό υπάρχει ήδη
error-conflict-body = Υπάρχει ήδη κάτι με το ίδιο όνομα ή τον ίδιο κωδικό.
error-throttled-title = Πάρα πολλές προσπάθειες
error-throttled-body = Περιμένετε 15 λεπτά και δοκιμάστε ξανά.
error-server-title = Λυπούμαστε, υπάρχει πρόβλημα με την υπηρεσία
error-server-body = Δοκιμάστε ξανά αργότερα. Όσα καταχωρίσατε δεν έχουν αποθηκευτεί.
error-csrf-title = Η φόρμα έχει λήξει
error-csrf-body = Για την ασφάλειά σας, η φόρμα δεν στάλθηκε. Επιστρέψτε, φορτώστε ξανά τη σελίδα και δοκιμάστε ξανά.

## Δήλωση προσβασιμότητας
accessibility-title = Δήλωση προσβασιμότητας
accessibility-intro = Το koinon είναι φτιαγμένο ώστε να μπορούν να το χρησιμοποιούν όσο το δυνατόν περισσότεροι άνθρωποι: σε ένα φθηνό κινητό τηλέφωνο, χωρίς JavaScript, στη γλώσσα σας και με αναγνώστη οθόνης.
accessibility-how-title = Πόσο προσβάσιμη είναι αυτή η υπηρεσία
accessibility-how-zoom = Μπορείτε να κάνετε μεγέθυνση έως και 400% χωρίς το κείμενο να βγαίνει έξω από την οθόνη.
accessibility-how-keyboard = Μπορείτε να χρησιμοποιήσετε κάθε σελίδα μόνο με το πληκτρολόγιο· η εστίαση είναι πάντα ορατή.
accessibility-how-screen-reader = Οι σελίδες έχουν επικεφαλίδες, περιοχές-ορόσημα, πεδία με ετικέτες και μηνύματα σφάλματος συνδεδεμένα με τα πεδία στα οποία αναφέρονται.
accessibility-how-no-js = Κάθε σελίδα και κάθε φόρμα λειτουργεί χωρίς JavaScript.
accessibility-how-language = Μπορείτε να επιλέξετε τη γλώσσα σας σε κάθε σελίδα· υποστηρίζονται και γραφές από δεξιά προς τα αριστερά.
accessibility-status-title = Κατάσταση συμμόρφωσης
accessibility-status-body = Η υπηρεσία αυτή στοχεύει να πληροί τις Οδηγίες για την Προσβασιμότητα του Περιεχομένου του Ιστού (WCAG) 2.2 στο επίπεδο AA.
accessibility-testing-title = Πώς ελέγχουμε
accessibility-testing-body = Κάθε νέα έκδοση ελέγχεται με αυτοματοποιημένα τεστ που ανοίγουν κάθε σελίδα σε πρόγραμμα περιήγησης και εφαρμόζουν σε αυτήν τους κανόνες προσβασιμότητας του axe-core, στα αγγλικά και στα ελληνικά.
accessibility-contact-title = Αναφορά προβλημάτων
accessibility-contact-body = Αν βρείτε κάποιο πρόβλημα, ενημερώστε τον διαχειριστή του δήμου σας. Θα σας απαντήσει μέσα σε 5 εργάσιμες ημέρες.

## Ledger
nav-ledger = Λογιστικό βιβλίο
ledger-title = Λογιστικό βιβλίο
ledger-intro = Κάθε κίνηση χρημάτων είναι μια μεταφορά μεταξύ δύο λογαριασμών του ίδιου βιβλίου. Σε κάθε βιβλίο, οι χρεώσεις ισούνται με τις πιστώσεις.
ledger-none = Ο δήμος δεν έχει ακόμη λογιστικό βιβλίο.
ledger-totals-caption = Σύνολα ανά βιβλίο
ledger-ledger = Βιβλίο
ledger-accounts = Λογαριασμοί
ledger-debits-posted = Χρεώσεις
ledger-credits-posted = Πιστώσεις
ledger-pending = Δεσμευμένα (εκκρεμή)
ledger-balanced = Ισοσκελισμένο
ledger-yes = Ναι
ledger-no = Όχι
ledger-account-title = Λογαριασμός βιβλίου
ledger-account-type = Τύπος
ledger-owner = Κάτοχος
ledger-net = Υπόλοιπο
ledger-held = Δεσμευμένα για εξερχόμενες πληρωμές
ledger-incoming-held = Δεσμευμένα για εισερχόμενες πληρωμές
ledger-statement = Κίνηση λογαριασμού
ledger-statement-none = Δεν υπάρχουν ακόμη μεταφορές.
ledger-when = Πότε
ledger-reason = Αιτία
ledger-kind = Είδος
ledger-in = Εισροή
ledger-out = Εκροή

# Outcomes payment calculator
nav-outcomes-calculator = Υπολογιστής πληρωμών
outcomes-calculator-title = Υπολογιστής πληρωμών αποτελεσμάτων
outcomes-calculator-intro = Επικολλήστε μια σύμβαση αποτελεσμάτων και τις αιτήσεις, τους συμμετέχοντες ή τα αποτελέσματα ομάδων της για να δείτε τι θα οφειλόταν. Τίποτα δεν αποθηκεύεται.
outcomes-calculator-examples = Ξεκινήστε από ένα παράδειγμα:
outcomes-problems = Τι πρέπει να διορθωθεί
outcomes-statement = Κατάσταση πληρωμών
outcomes-contract = Σύμβαση
outcomes-mechanism = Μηχανισμός πληρωμής
outcomes-mechanism-rate-card = Τιμοκατάλογος: τιμή ανά επαληθευμένο αποτέλεσμα
outcomes-mechanism-comparison-threshold = Κατώφλι έναντι ομάδας σύγκρισης
outcomes-mechanism-savings-share = Μερίδιο δημόσιας εξοικονόμησης, με σταθερές αμοιβές
outcomes-mechanism-fixed-targets = Σταθεροί στόχοι
outcomes-total-due = Σύνολο οφειλόμενο
outcomes-gross-due = Οφειλόμενο πριν από τα ανώτατα όρια
outcomes-claims = Αιτήσεις
outcomes-claims-read = αναγνώστηκαν
outcomes-claims-accepted = έγιναν δεκτές
outcomes-claims-refused = απορρίφθηκαν
outcomes-by-period = Ανά περίοδο
outcomes-by-metric = Ανά δείκτη αποτελέσματος
outcomes-by-cohort = Ανά ομάδα
outcomes-period = Περίοδος
outcomes-metric = Δείκτης
outcomes-cohort = Ομάδα
outcomes-outcomes = Αποτελέσματα
outcomes-gross = Πριν από τα όρια
outcomes-paid = Οφειλόμενο
outcomes-results = Πληρωμές βάσει αποτελεσμάτων
outcomes-result-item = Ομάδα και μέτρο
outcomes-measured = Μετρήθηκε
outcomes-threshold = Κατώφλι
outcomes-met = Επιτεύχθηκε
outcomes-met-yes = Ναι
outcomes-met-no = Όχι
outcomes-caps = Όρια που μείωσαν πληρωμές
outcomes-cap = Όριο
outcomes-cap-participant = Ανά συμμετέχοντα
outcomes-cap-period = Ανά περίοδο
outcomes-cap-contract = Ολόκληρη η σύμβαση
outcomes-cut = Περικοπή
outcomes-items-cut = Πληρωμές που περικόπηκαν
outcomes-refusals = Απορριφθείσες αιτήσεις ανά λόγο
outcomes-refused-claims = Απορριφθείσες αιτήσεις
outcomes-reason = Λόγος
outcomes-line = Γραμμή
outcomes-participant = Συμμετέχων
outcomes-event-on = Ημερομηνία αποτελέσματος
outcomes-refusals-not-shown = Άλλες { $count } απορριφθείσες αιτήσεις μετρώνται παραπάνω αλλά δεν εμφανίζονται.
outcomes-inputs = Σύμβαση και δεδομένα
outcomes-field-contract = Σύμβαση (TOML)
outcomes-hint-contract = Το αρχείο της σύμβασης όπως το περιγράφει το docs/outcomes.md.
outcomes-field-participants = Συμμετέχοντες (CSV, προαιρετικό)
outcomes-hint-participants = Κεφαλίδα participant,cohort,enrolled_on. Μόνο ψευδώνυμα, ποτέ ονόματα.
outcomes-field-claims = Αιτήσεις αποτελεσμάτων (CSV)
outcomes-hint-claims = Κεφαλίδα participant,metric,event_on και προαιρετικά claimed_on και cohort· ημερομηνίες ως ΕΕΕΕ-ΜΜ-ΗΗ.
outcomes-field-results = Αποτελέσματα ομάδων (CSV, προαιρετικό)
outcomes-hint-results = Κεφαλίδα cohort,measure,value, για συμβάσεις κατωφλίου, μεριδίου εξοικονόμησης και στόχων.
outcomes-calculate-button = Υπολογισμός πληρωμών
refusal-unknown-metric = Ο δείκτης δεν υπάρχει στη σύμβαση
refusal-unknown-participant = Ο συμμετέχων δεν είναι εγγεγραμμένος
refusal-unknown-cohort = Η ομάδα δεν υπάρχει στη σύμβαση
refusal-outside-contract-dates = Το αποτέλεσμα συνέβη εκτός των ημερομηνιών της σύμβασης
refusal-before-enrolment = Το αποτέλεσμα συνέβη πριν από την εγγραφή του συμμετέχοντα
refusal-claimed-before-event = Η αίτηση έχει ημερομηνία πριν από το αποτέλεσμα
refusal-outside-claim-window = Η αίτηση υποβλήθηκε μετά το παράθυρο αιτήσεων του δείκτη
refusal-duplicate-once-only = Αυτό το αποτέλεσμα πληρώνεται μία φορά ανά συμμετέχοντα και έχει ήδη ζητηθεί
refusal-missing-prerequisite = Ένα προαπαιτούμενο αποτέλεσμα δεν έχει επαληθευτεί νωρίτερα για αυτόν τον συμμετέχοντα
