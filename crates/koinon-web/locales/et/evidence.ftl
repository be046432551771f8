# koinon — outcomes evidence files, spreadsheet uploads, drawdowns and waterfall terms.

## Evidence files of claims
evidence-column = Tõendid
evidence-download = Laadi alla
evidence-none = Puudub
evidence-file = Tõendifail
evidence-file-hint = PDF, PNG, JPEG, tekst või CSV, kuni 10 MB. Üks fail nõude kohta, enne kui seda on kontrollitud.
evidence-upload-button = Laadi üles
flash-evidence-attached = Tõend salvestati koos nõudega.

## Spreadsheet uploads of imports
evidence-upload-heading = Või laadi fail üles
evidence-import-file = CSV- või XLSX-fail
evidence-import-file-hint = CSV-fail või Exceli tööraamat (.xlsx) samade veergudega, kuni 10 MB. Enne eelvaate kinnitamist ei salvestata midagi.
evidence-sheet = Tööleht (valikuline)
evidence-sheet-hint = Loetava töölehe nimi. Tühi: impordi nimeline leht, muidu esimene.
evidence-upload-preview-button = Laadi üles ja vaata eelvaadet
evidence-preview-sheet = Töölehe „{ $sheet }“ read; iga rida on nummerdatud nagu tööraamatus.
evidence-row = Töölehe rida
evidence-sheet-row = Tööleht „{ $sheet }“, rida

## Drawdowns and waterfall terms
evidence-drawdowns-title = Väljamaksed ja jaotus
evidence-drawdowns-none = Kapitali pole veel välja võetud.
evidence-drawn-on = Väljamakse kuupäev
evidence-investor = Investor
evidence-committed = kohustus
evidence-drawdown-heading = Väljamakse kirjendamine
evidence-no-investors = Lepingul pole investoreid.
evidence-amount-hint = Lepingu valuutas, näiteks 800.00. Investori väljamaksed ei ületa kunagi tema kohustust.
evidence-drawdown-button = Kirjenda väljamakse
flash-drawdown-recorded = Väljamakse kirjendati ja kanti pearaamatusse.
evidence-waterfall-heading = Jaotuse tingimused
evidence-waterfall-form-heading = Muuda jaotuse tingimusi
evidence-return-cap = Investorite tootluse ülempiir
evidence-return-cap-none = Ülempiirita
evidence-return-cap-hint = Kapitali kordaja 1 kuni 10, näiteks 1.10 tähendab kapitali pluss kuni 10%. Jäta tühjaks, kui ülempiiri pole. Ainult enne lepingu käivitumist.
evidence-residual-share = Investorite osa jäägist
evidence-residual-share-hint = Protsent 0 kuni 100; ülejäänu läheb teenuseosutajale.
evidence-waterfall-button = Salvesta jaotuse tingimused
flash-waterfall-set = Jaotuse tingimused salvestati.

## A payment run's statement
evidence-statement-details = Aruanne üksikasjalikult
evidence-planned-actual = Kavandatu ja tegelik kohorditi
evidence-planned-participants = Kavandatud osalejad
evidence-enrolled = Registreeritud
evidence-participants-paid = Tasustatud osalejad
evidence-by-participant = Osalejate kaupa
evidence-participants-not-shown = Veel { $count } osalejat pole siin loetletud.
evidence-caps-applied = Millised ülempiirid mida kärpisid
evidence-cap-scope = Kehtib
evidence-caps-not-listed = Veel { $count } osalejapõhist ülempiiri kärpis makseid; need on summades arvestatud.

## Cohort results for a payment run
evidence-results-heading = Makse ettevalmistamine kohortide tulemustega
evidence-results-intro = Läve, säästude jagamise või kindlate sihtide korral: kohortide mõõdetud tulemused failina. Makse valmistatakse ette kontrollimiseks; midagi ei maksta enne, kui kinnitaja selle kinnitab.
evidence-results-file = Kohortide tulemused (CSV või XLSX)
evidence-results-file-hint = Veerud cohort, measure, value; kuni 10 MB.
evidence-results-sheet-hint = Loetava töölehe nimi. Tühi: leht „results“, muidu esimene.
evidence-results-button = Valmista makse ette nende tulemustega

## The verification queue
evidence-overdue-since = Tähtaeg ületatud alates { $date }
