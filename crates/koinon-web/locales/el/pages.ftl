# koinon — Ελληνικά: σελίδες χρηστών, οργανισμών, δικτύων, αρχείου ελέγχου και λογαριασμού.
# Κάθε κλειδί εδώ πρέπει να υπάρχει και στα en, bg και et (το ελέγχει ένα τεστ).

## Shared
none-value = Κανένα
pagination-label = Σελίδες
pagination-next = Επόμενη σελίδα
save-changes = Αποθήκευση αλλαγών
field-display-name = Όνομα
field-role = Ρόλος
field-organisation = Οργανισμός
field-status = Κατάσταση
field-kind = Είδος οργανισμού
field-email-optional = Διεύθυνση email (προαιρετικά)
field-municipality = Δήμος
hint-password = Χρησιμοποιήστε 12 ή περισσότερους χαρακτήρες. Μερικές άσχετες μεταξύ τους λέξεις κάνουν έναν καλό κωδικό.

## Users
users-title = Χρήστες και ρόλοι
users-none = Δεν υπάρχουν ακόμη χρήστες.
user-new-title = Προσθήκη χρήστη
user-edit-title = Χρήστης
user-edit-heading = Αλλαγή ρόλου και πρόσβασης
user-create-button = Προσθήκη χρήστη
user-status-active = Ενεργός
user-status-disabled = Απενεργοποιημένος
back-to-users = Πίσω στους χρήστες
choose-role = Επιλέξτε ρόλο
no-organisation = Κανένας οργανισμός
hint-user-organisation = Μόνο για παρόχους υπηρεσιών, επενδυτές και εμπόρους: ο οργανισμός για λογαριασμό του οποίου ενεργούν.
field-initial-password = Αρχικός κωδικός πρόσβασης
field-disabled = Απενεργοποιημένος λογαριασμός
hint-disabled = Ένας απενεργοποιημένος χρήστης δεν μπορεί να συνδεθεί.
flash-user-created = Ο χρήστης προστέθηκε.
flash-user-updated = Ο χρήστης άλλαξε.

## Organisations
organisations-title = Οργανισμοί
organisations-none = Δεν υπάρχουν ακόμη οργανισμοί.
organisation-new-title = Προσθήκη οργανισμού
organisation-title = Οργανισμός
organisation-create-button = Προσθήκη οργανισμού
back-to-organisations = Πίσω στους οργανισμούς
choose-kind = Επιλέξτε είδος
flash-organisation-created = Ο οργανισμός προστέθηκε.

## Networks
networks-title = Δίκτυα και εταίροι
networks-none = Δεν υπάρχουν ακόμη δίκτυα.
network-new-title = Προσθήκη δικτύου
network-title = Δίκτυο
network-create-button = Προσθήκη δικτύου
back-to-networks = Πίσω στα δίκτυα
field-programme = Πρόγραμμα
hint-programme = Το πρόγραμμα χρηματοδότησης, π.χ. URBACT ή INTERREG Europe.
field-starts-on = Ημερομηνία έναρξης
field-ends-on = Ημερομηνία λήξης
field-starts-on-optional = Ημερομηνία έναρξης (προαιρετικά)
field-ends-on-optional = Ημερομηνία λήξης (προαιρετικά)
hint-date = Έτος, μήνας και ημέρα, π.χ. 2019-10-07
partners-heading = Εταίροι
partners-none = Αυτό το δίκτυο δεν έχει ακόμη εταίρους.
partner-lead-tag = Επικεφαλής εταίρος
partner-add-heading = Προσθήκη εταίρου
partner-add-button = Προσθήκη εταίρου
field-partner-name = Όνομα του εταίρου
field-tenant-code = Κωδικός στο koinon
field-tenant-code-optional = Κωδικός στο koinon (προαιρετικά)
hint-country = Δύο γράμματα, π.χ. NL ή GR
hint-tenant-code = Αν ο εταίρος είναι δήμος σε αυτό το koinon, ο κωδικός του, π.χ. heerlen.
field-is-lead = Αυτός ο εταίρος είναι ο επικεφαλής εταίρος
flash-network-created = Το δίκτυο προστέθηκε.
flash-partner-added = Ο εταίρος προστέθηκε.

## Audit log
audit-title = Αρχείο ελέγχου
audit-lead = Κάθε αλλαγή καταγράφεται εδώ, με τις νεότερες πρώτες. Κάθε εγγραφή φέρει ένα hash της προηγούμενης, ώστε καμία εγγραφή να μην μπορεί να αλλάξει ή να αφαιρεθεί χωρίς να γίνει αντιληπτό.
audit-caption = Εγγραφές ελέγχου, οι νεότερες πρώτες
audit-none = Δεν υπάρχουν ακόμη εγγραφές.
audit-entry = Εγγραφή
audit-time = Ώρα
audit-actor = Από
audit-action = Ενέργεια
audit-object = Αντικείμενο
audit-summary = Λεπτομέρειες
audit-hash = Hash
audit-older = Παλαιότερες εγγραφές

## Account
account-title = Ο λογαριασμός σας
account-password-heading = Αλλαγή κωδικού πρόσβασης
account-password-lead = Οι άλλες συνεδρίες σας θα αποσυνδεθούν.
field-current-password = Τρέχων κωδικός πρόσβασης
field-new-password = Νέος κωδικός πρόσβασης
field-confirm-password = Επιβεβαίωση νέου κωδικού πρόσβασης
account-password-button = Αλλαγή κωδικού πρόσβασης
flash-password-changed = Ο κωδικός πρόσβασής σας άλλαξε.

## Field errors, by code
field-error-passwords-do-not-match = Οι κωδικοί πρόσβασης δεν ταιριάζουν
field-error-email-in-use = Υπάρχει ήδη χρήστης με αυτή τη διεύθυνση email
field-error-name-in-use = Υπάρχει ήδη ένα με αυτό το όνομα
field-error-partner-in-network = Αυτό το δίκτυο έχει ήδη εταίρο με αυτό το όνομα
field-error-lead-partner-exists = Αυτό το δίκτυο έχει ήδη επικεφαλής εταίρο
field-error-too-many-partners = Αυτό το δίκτυο έχει ήδη τον μέγιστο αριθμό εταίρων
field-error-invalid-tenant-code = Εισαγάγετε κωδικό με πεζά λατινικά γράμματα, ψηφία ή παύλες, π.χ. baia-mare
field-error-invalid-cursor = Αυτός ο σύνδεσμος σελίδας δεν είναι έγκυρος
