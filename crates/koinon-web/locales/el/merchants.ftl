# koinon — έμποροι του ηλεκτρονικού νομίσματος: αιτήσεις, έλεγχος, δημόσιος κατάλογος και ταμείο.

## Έμποροι
nav-merchants = Έμποροι
merchants-title = Έμποροι
merchants-intro = Καταστήματα διαπιστευμένα να δέχονται το νόμισμα του δήμου, και οι αιτήσεις τους.
merchants-none = Δεν υπάρχουν ακόμη έμποροι.
merchants-filter-button = Εμφάνιση
merchants-next-page = Επόμενη σελίδα
back-to-merchants = Πίσω στους εμπόρους
merchant-title = Έμπορος
merchant-status = Κατάσταση
merchant-status-any = Κάθε κατάσταση
merchant-status-applied = Υπέβαλε αίτηση
merchant-status-accredited = Διαπιστευμένος
merchant-status-refused = Απορρίφθηκε
merchant-status-suspended = Σε αναστολή
merchant-status-reason = Αιτιολογία
merchant-currency = Νόμισμα
merchant-registration = Αριθμός μητρώου (προαιρετικό)
merchant-area = Περιοχή
merchant-address = Διεύθυνση
merchant-email = Email
merchant-phone = Τηλέφωνο (προαιρετικό)
merchant-description = Τι πουλά το κατάστημα (προαιρετικό)
merchant-categories = Κατηγορίες δαπανών
merchant-categories-hint = Επιλέξτε κάθε κατηγορία που πουλά το κατάστημα. Οι δικαιούχοι πληρώνουν μόνο γι' αυτές.
merchant-account = Λογαριασμός στο καθολικό
merchant-documents = Έγγραφα
merchant-documents-hint = Έγγραφα μητρώου ή καταστατικό: PDF, PNG ή JPEG, έως 5 MB το καθένα, έως { $max } αρχεία.
merchant-documents-none = Κανένα έγγραφο.
merchant-owner = Αριθμός χρήστη εμπόρου (προαιρετικό)
merchant-owner-hint = Όταν υποβάλλετε αίτηση για λογαριασμό καταστήματος: ο αριθμός του χρήστη του καταστήματος που θα δέχεται πληρωμές.

## Αίτηση
merchant-apply-title = Αίτηση διαπίστευσης
merchant-apply-intro = Ένα κατάστημα κοινωνικής οικονομίας ζητά να δέχεται το νόμισμα του δήμου. Ένας υπάλληλος εξετάζει την αίτηση.
merchant-apply-no-currency = Ο δήμος δεν έχει ακόμη νόμισμα.
merchant-apply-button = Αποστολή αίτησης
flash-merchant-applied = Η αίτηση στάλθηκε. Ένας υπάλληλος θα την εξετάσει.

## Έλεγχος
merchant-review-title = Έλεγχος
merchant-review-action = Απόφαση
merchant-action-accredit = Διαπίστευση
merchant-action-refuse = Απόρριψη
merchant-action-suspend = Αναστολή
merchant-action-reinstate = Επαναφορά
merchant-review-reason = Αιτιολογία
merchant-review-reason-hint = Απαιτείται για απόρριψη ή αναστολή: ο έμπορος ενημερώνεται.
merchant-review-button = Αποθήκευση απόφασης
flash-merchant-accredited = Ο έμπορος διαπιστεύτηκε.
flash-merchant-refused = Η αίτηση απορρίφθηκε.
flash-merchant-suspended = Η διαπίστευση του εμπόρου άλλαξε.

## Κατηγορίες δαπανών
merchant-category-food = Τρόφιμα
merchant-category-hygiene = Προσωπική υγιεινή
merchant-category-cleaning = Είδη καθαρισμού
merchant-category-school-supplies = Σχολικά είδη και βιβλία
merchant-category-clothing = Ρούχα και παπούτσια
merchant-category-pharmacy = Φαρμακείο (χωρίς συνταγή)
merchant-category-energy = Οικιακή ενέργεια
merchant-category-transport = Τοπικές συγκοινωνίες
merchant-category-culture = Πολιτισμός και αθλητισμός

## Δημόσιος κατάλογος
directory-title = Καταστήματα που δέχονται το νόμισμα
directory-intro = Διαπιστευμένα καταστήματα κοινωνικής οικονομίας ανά περιοχή. Πληρώστε με την κάρτα και το PIN ή με το κινητό σας.
directory-any-area = Όλες οι περιοχές
directory-any-category = Όλες οι κατηγορίες
directory-none = Κανένα κατάστημα δεν ταιριάζει.

## Ταμείο
pos-title = Ταμείο
pos-amount = Ποσό σε { $currency }
pos-category = Κατηγορία
pos-card-code = Κωδικός κάρτας
pos-card-code-hint = Τα 16 γράμματα και ψηφία της κάρτας, πληκτρολογημένα ή σαρωμένα από τον κωδικό QR.
pos-pin = PIN
pos-pin-hint = Ο κάτοχος της κάρτας πληκτρολογεί το PIN του.
pos-pay-button = Είσπραξη πληρωμής
pos-paid-title = Πληρώθηκε
pos-card = Κάρτα
pos-payment-id = Πληρωμή
pos-refused-title = Η πληρωμή απορρίφθηκε
pos-not-accredited = Αυτό το κατάστημα δεν μπορεί να δεχτεί πληρωμές τώρα.
pos-latest = Τελευταίες πληρωμές
pos-statement-csv = Λήψη της κατάστασης κινήσεων (CSV)
pos-latest-none = Δεν υπάρχουν ακόμη πληρωμές.
pos-when = Πότε
pos-state = Κατάσταση
pos-amount-column = Ποσό
flash-payment-taken = Η πληρωμή ολοκληρώθηκε.
payment-state-authorised = Σε καταχώριση
payment-state-posted = Πληρώθηκε
payment-state-held = Δεσμευμένη
payment-state-captured = Εισπράχθηκε
payment-state-voided = Αποδεσμεύτηκε
payment-state-failed = Απέτυχε
pos-refusal-wrong-pin = Λάθος PIN. Άλλα { $left } λάθος PIN και η κάρτα κλειδώνει για λίγο.
pos-refusal-card-locked = Πάρα πολλά λάθος PIN: η κάρτα είναι κλειδωμένη έως { $time }.
pos-refusal-card-blocked = Πάρα πολλά λάθος PIN: η κάρτα είναι μπλοκαρισμένη μέχρι να την ξεκλειδώσουν οι κοινωνικές υπηρεσίες.
pos-refusal-unknown-card = Καμία κάρτα δεν έχει αυτόν τον κωδικό. Ελέγξτε τον με την κάρτα.
pos-refusal-card-replaced = Αυτή η κάρτα αντικαταστάθηκε από νεότερη.
pos-refusal-card-other-currency = Αυτή η κάρτα είναι για άλλο νόμισμα.
pos-refusal-merchant-not-accredited = Αυτό το κατάστημα δεν είναι διαπιστευμένο για το νόμισμα.
pos-refusal-merchant-suspended = Η διαπίστευση αυτού του καταστήματος έχει ανασταλεί.
pos-refusal-category-not-sold-here = Αυτό το κατάστημα δεν είναι διαπιστευμένο για αυτή την κατηγορία.
pos-refusal-category-not-allowed = Το νόμισμα δεν μπορεί να δαπανηθεί σε αυτή την κατηγορία.
pos-refusal-units-expired = Οι μονάδες αυτής της κάρτας έχουν λήξει.
pos-refusal-insufficient-balance = Ανεπαρκές υπόλοιπο: διαθέσιμα { $amount }.
pos-refusal-daily-limit = Πάνω από το ημερήσιο όριο: σήμερα μπορούν να δαπανηθούν ακόμη { $amount }.
pos-refusal-amount-must-be-positive = Το ποσό πρέπει να είναι μεγαλύτερο από μηδέν.
pos-refusal-amount-too-large = Το ποσό είναι μεγαλύτερο από όσο επιτρέπεται για μία πληρωμή.
pos-refusal-ledger-refused = Η πληρωμή δεν καταχωρίστηκε. Δοκιμάστε ξανά.
pos-refusal-insufficient-balance-plain = Ανεπαρκές υπόλοιπο στην κάρτα.

## Κάρτες δικαιούχων
card-new-title = Έκδοση κάρτας
card-new-intro = Κάρτα με κωδικό QR για νοικοκυριό χωρίς έξυπνο κινητό. Το νοικοκυριό επιλέγει το PIN του· η προηγούμενη κάρτα του νοικοκυριού παύει να ισχύει.
card-household = Αριθμός νοικοκυριού
card-household-hint = Ο αριθμός του νοικοκυριού στη λίστα του προγράμματος.
card-pin = PIN που επέλεξε το νοικοκυριό
card-pin-hint = 4 έως 6 ψηφία, όχι το ίδιο ψηφίο επαναλαμβανόμενο ούτε σειρά όπως 1234.
card-issue-button = Έκδοση κάρτας
flash-card-issued = Η κάρτα εκδόθηκε. Εκτυπώστε την τώρα.
card-print-title = Εκτύπωση κάρτας
card-print-intro = Εκτυπώστε αυτή τη σελίδα και κόψτε την κάρτα. Όποιος έχει την κάρτα και το PIN της μπορεί να πληρώσει με αυτήν.
card-print-pin = Κρατήστε το PIN σας μυστικό. Μην το γράφετε ποτέ πάνω στην κάρτα.
card-print-where = Καταστήματα που τη δέχονται:
card-qr-label = Κωδικός QR της κάρτας { $code }
card-replaced-warning = Αυτή η κάρτα αντικαταστάθηκε από νεότερη και δεν ισχύει πια.

## Μονάδες και ευρώ του εμπόρου
merchant-money-title = Μονάδες και ευρώ
merchant-balance = Διαθέσιμες μονάδες
merchant-balance-recent = Από αυτές, που παραλήφθηκαν πρόσφατα (τέλος πρόωρης εξαργύρωσης)
merchant-euros = Ευρώ που καταβλήθηκαν στο κατάστημα
merchant-pay-title = Πληρωμή σε άλλο κατάστημα
merchant-pay-to = Κατάστημα
merchant-pay-button = Πληρωμή καταστήματος
flash-merchant-paid = Το άλλο κατάστημα πληρώθηκε.
merchant-redeem-title = Εξαργύρωση μονάδων σε ευρώ
merchant-redeem-hint = Ο δήμος κρατά το τέλος εξαργύρωσης· το υπόλοιπο καταβάλλεται σε ευρώ από το ταμείο εγγύησης.
merchant-redeem-button = Εξαργύρωση
flash-merchant-redeemed = Οι μονάδες εξαργυρώθηκαν· τα ευρώ καταβλήθηκαν στον λογαριασμό του καταστήματος.
