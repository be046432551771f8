# koinon — outcomes evidence files, spreadsheet uploads, drawdowns and waterfall terms.

## Evidence files of claims
evidence-column = Τεκμήρια
evidence-download = Λήψη
evidence-none = Κανένα
evidence-file = Αρχείο τεκμηρίου
evidence-file-hint = PDF, PNG, JPEG, κείμενο ή CSV, έως 10 MB. Ένα αρχείο ανά αίτηση, πριν από τον έλεγχό της.
evidence-upload-button = Μεταφόρτωση
flash-evidence-attached = Το τεκμήριο φυλάχθηκε μαζί με την αίτηση.

## Spreadsheet uploads of imports
evidence-upload-heading = Ή μεταφορτώστε αρχείο
evidence-import-file = Αρχείο CSV ή XLSX
evidence-import-file-hint = Αρχείο CSV ή βιβλίο εργασίας Excel (.xlsx) με τις ίδιες στήλες, έως 10 MB. Τίποτα δεν καταχωρίζεται πριν επιβεβαιώσετε την προεπισκόπηση.
evidence-sheet = Φύλλο εργασίας (προαιρετικό)
evidence-sheet-hint = Το όνομα του φύλλου που θα διαβαστεί. Κενό: το φύλλο με το όνομα της εισαγωγής, αλλιώς το πρώτο.
evidence-upload-preview-button = Μεταφόρτωση και προεπισκόπηση
evidence-preview-sheet = Γραμμές του φύλλου «{ $sheet }»· κάθε γραμμή αριθμείται όπως στο βιβλίο εργασίας.
evidence-row = Γραμμή φύλλου
evidence-sheet-row = Φύλλο «{ $sheet }», γραμμή

## Drawdowns and waterfall terms
evidence-drawdowns-title = Εκταμιεύσεις και κατανομή
evidence-drawdowns-none = Δεν έχει εκταμιευθεί ακόμη κεφάλαιο.
evidence-drawn-on = Ημερομηνία εκταμίευσης
evidence-investor = Επενδυτής
evidence-committed = δέσμευση
evidence-drawdown-heading = Καταχώριση εκταμίευσης
evidence-no-investors = Η σύμβαση δεν έχει επενδυτές.
evidence-amount-hint = Στο νόμισμα της σύμβασης, π.χ. 800.00. Οι εκταμιεύσεις ενός επενδυτή δεν υπερβαίνουν ποτέ τη δέσμευσή του.
evidence-drawdown-button = Καταχώριση της εκταμίευσης
flash-drawdown-recorded = Η εκταμίευση καταχωρίστηκε και εγγράφηκε στο καθολικό.
evidence-waterfall-heading = Όροι κατανομής
evidence-waterfall-form-heading = Αλλαγή των όρων κατανομής
evidence-return-cap = Ανώτατη απόδοση επενδυτών
evidence-return-cap-none = Χωρίς ανώτατο όριο
evidence-return-cap-hint = Πολλαπλάσιο του κεφαλαίου από 1 έως 10, π.χ. 1.10 για το κεφάλαιο συν έως 10%. Αφήστε κενό για χωρίς όριο. Μόνο πριν από την έναρξη της σύμβασης.
evidence-residual-share = Μερίδιο επενδυτών στο υπόλοιπο
evidence-residual-share-hint = Ποσοστό από 0 έως 100· το υπόλοιπο πηγαίνει στον πάροχο.
evidence-waterfall-button = Αποθήκευση των όρων κατανομής
flash-waterfall-set = Οι όροι κατανομής αποθηκεύτηκαν.

## A payment run's statement
evidence-statement-details = Η κατάσταση αναλυτικά
evidence-planned-actual = Προγραμματισμένα έναντι πραγματικών, ανά κοόρτη
evidence-planned-participants = Προγραμματισμένοι συμμετέχοντες
evidence-enrolled = Εγγεγραμμένοι
evidence-participants-paid = Συμμετέχοντες με πληρωμή
evidence-by-participant = Ανά συμμετέχοντα
evidence-participants-not-shown = Άλλοι { $count } συμμετέχοντες δεν εμφανίζονται εδώ.
evidence-caps-applied = Ποια όρια περιέκοψαν τι
evidence-cap-scope = Αφορά
evidence-caps-not-listed = Άλλα { $count } όρια ανά συμμετέχοντα περιέκοψαν πληρωμές· περιλαμβάνονται στα σύνολα.

## Cohort results for a payment run
evidence-results-heading = Προετοιμασία πληρωμής με αποτελέσματα κοορτών
evidence-results-intro = Για πληρωμές με όριο, μερίδιο εξοικονόμησης ή σταθερούς στόχους: τα μετρημένα αποτελέσματα των κοορτών, ως αρχείο. Η πληρωμή προετοιμάζεται για έλεγχο· τίποτα δεν καταβάλλεται πριν την εγκρίνει εγκρίνων.
evidence-results-file = Αποτελέσματα κοορτών (CSV ή XLSX)
evidence-results-file-hint = Στήλες cohort, measure, value· έως 10 MB.
evidence-results-sheet-hint = Το όνομα του φύλλου που θα διαβαστεί. Κενό: το φύλλο «results», αλλιώς το πρώτο.
evidence-results-button = Προετοιμασία της πληρωμής με αυτά τα αποτελέσματα

## The verification queue
evidence-overdue-since = Εκπρόθεσμη από { $date }
