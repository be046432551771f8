# koinon — eesti keel. Iga siinne võti peab olemas olema ka failides en, el ja bg (seda kontrollib test).

## Lehe paigutus
skip-to-content = Liigu põhisisu juurde
language-switcher = Keel
nav-main = Peamenüü
nav-dashboard = Töölaud
nav-users = Kasutajad ja rollid
nav-organisations = Organisatsioonid
nav-networks = Võrgustikud ja partnerid
nav-audit = Auditilogi
nav-account = Teie konto
sign-in = Logi sisse
sign-out = Logi välja
footer-api = JSON API (OpenAPI)
footer-licence = koinon on avatud lähtekoodiga tarkvara omavalitsustele ja nende partneritele.
error-prefix = Viga
error-summary-title = Tekkis probleem

## Avaleht
home-title = Sotsiaalteenuste ühine tellimine, rahastamine ja tulemuste tõendamine
home-lead = koinon aitab omavalitsustel ja nende võrgustikel teha koostööd vabaühenduste, sotsiaalsete ettevõtete, investorite ja elanikega: tulemuspõhised lepingud ja sotsiaalse mõju võlakirjad, sotsiaalabi e-raha, sotsiaalse innovatsiooni toetuste taotlusvoorud, elanikuportaal ja ELi rahastatud võrgustikud — ning iga sent on kirjas ühes täpses pearaamatus.
home-modules = Mida koinon teeb
home-municipalities = Omavalitsused selles koinonis
home-no-municipalities = Ühtegi omavalitsust pole veel lisatud.
module-outcomes = Tulemuspõhised lepingud
module-outcomes-body = tulemuste hinnakirjad, tulemuste eest maksmise taotlused ja nende kontroll, maksevoorud ning investorite tulu.
module-currency = Sotsiaalne e-raha
module-currency-body = toetus makstakse välja kohalikus rahas ja seda saab kasutada akrediteeritud sotsiaalmajanduse kauplustes.
module-grants = Toetused ja teenused
module-grants-body = taotlusvoorud, hindamine ja toetuste määramine ning sisseostetud sotsiaalteenuste register.
module-portal = Elanikuportaal
module-portal-body = üür, maksud, toetused, rahakott ja vabaühenduste teenused ühes kohas.
module-network = Võrgustikud
module-network-body = omavalitsuste võrgustikud, nende ELi rahastatud projektid, partnerid ja eelarved.

## Sisselogimine
sign-in-title = Sisselogimine
field-email = E-posti aadress
field-password = Parool
flash-signed-in = Olete sisse logitud.
flash-signed-out = Olete välja logitud.

## Töölaud
dashboard-title = Töölaud
dashboard-signed-in-as = Olete sisse logitud rolliga: { $role }.
dashboard-last-change = Viimane muudatus

## Väljad
field-name = Nimi
field-country = Riik
field-currency = Valuuta

## Rollid
role-admin = Administraator
role-officer = Ametnik
role-approver = Kinnitaja
role-reviewer = Läbivaataja või hindaja
role-provider = Teenuseosutaja
role-investor = Investor
role-merchant = Kaupleja
role-beneficiary = Elanik
role-auditor = Audiitor

## Organisatsioonide liigid
org-kind-ngo = Vabaühendus
org-kind-social-enterprise = Sotsiaalne ettevõte
org-kind-investor = Investor
org-kind-landlord = Üürileandja
org-kind-merchant = Kaupleja
org-kind-public-body = Avalik asutus

## Väljade veateated koodi järgi
field-error-required = Sisestage see teave
field-error-too-long = See on liiga pikk
field-error-invalid-email = Sisestage e-posti aadress õiges vormingus, näiteks name@example.org
field-error-wrong-credentials = E-posti aadress või parool ei ole õige
field-error-too-many-attempts = Liiga palju sisselogimiskatseid: oodake 15 minutit ja proovige uuesti
field-error-password-too-short = Parool peab olema vähemalt 12 tähemärki pikk
field-error-password-too-long = Parool võib olla kõige rohkem 128 tähemärki pikk
field-error-wrong-password = Praegune parool ei ole õige
field-error-already-exists = See on juba olemas
field-error-invalid-role = Valige roll loendist
field-error-invalid-organisation-kind = Valige organisatsiooni liik loendist
field-error-invalid-date = Sisestage tegelik kuupäev, näiteks 2019-10-07
field-error-ends-before-start = Lõppkuupäev peab olema alguskuupäevaga sama või sellest hilisem
field-error-invalid-country = Sisestage kahetäheline riigikood, näiteks NL või GR
field-error-unknown-tenant = Selle koodiga omavalitsust ei ole
field-error-unknown-organisation = Valige selle omavalitsuse organisatsioon
field-error-invalid-characters = Eemaldage juhtmärgid
field-error-cannot-demote-self = Te ei saa eemaldada enda administraatori rolli ega oma kontot keelata
field-error-invalid-locale = Valige keel loendist

## Vead
error-go-home = Mine avalehele
error-invalid-title = Kontrollige sisestatud andmeid
error-invalid-body = Osa sisestatud andmetest ei saanud kasutada.
error-bad-form-body = Vormi ei õnnestunud lugeda. Minge tagasi ja proovige uuesti.
error-too-large-body = Saadetud andmed on liiga suured.
error-signin-title = Jätkamiseks logige sisse
error-signin-body = Selle lehe vaatamiseks peate sisse logima.
error-forbidden-title = Te ei saa seda lehte vaadata
error-forbidden-body = Teie roll seda ei võimalda. Kui teil on seda vaja, pöörduge oma omavalitsuse administraatori poole.
error-not-found-title = Lehte ei leitud
error-not-found-body = Kui sisestasite veebiaadressi ise, kontrollige, et see oleks õige.
error-conflict-title = See on juba olemas
error-conflict-body = Sama nime või koodiga kirje on juba olemas.
error-throttled-title = Liiga palju katseid
error-throttled-body = Oodake 15 minutit ja proovige uuesti.
error-server-title = Vabandame, teenusega on probleem
error-server-body = Proovige hiljem uuesti. Teie sisestatud andmeid ei salvestatud.
error-csrf-title = Vorm on aegunud
error-csrf-body = Teie turvalisuse huvides jäi vorm saatmata. Minge tagasi, laadige leht uuesti ja proovige veel kord.

## Ligipääsetavuse teatis
accessibility-title = Ligipääsetavuse teatis
accessibility-intro = koinon on tehtud nii, et seda saaks kasutada võimalikult palju inimesi: odavas telefonis, ilma JavaScriptita, teie keeles ja ekraanilugejaga.
accessibility-how-title = Kui ligipääsetav see teenus on
accessibility-how-zoom = Lehte saab suurendada kuni 400%, ilma et tekst ekraanilt välja valguks.
accessibility-how-keyboard = Igat lehte saab kasutada ainult klaviatuuriga; fookus on alati nähtav.
accessibility-how-screen-reader = Lehtedel on pealkirjad, maamärgid, sildiga väljad ja veateated, mis on seotud nende väljadega, mida need puudutavad.
accessibility-how-no-js = Kõik lehed ja vormid töötavad ilma JavaScriptita.
accessibility-how-language = Keele saate valida igal lehel; toetatud on ka paremalt vasakule kirjutatavad kirjasüsteemid.
accessibility-status-title = Vastavuse olek
accessibility-status-body = Selle teenuse eesmärk on vastata veebisisu ligipääsetavuse suuniste (WCAG) 2.2 tasemele AA.
accessibility-testing-title = Kuidas me testime
accessibility-testing-body = Iga väljalaset kontrollitakse automaattestidega, mis avavad iga lehe brauseris ja rakendavad sellele tööriista axe-core ligipääsetavusreegleid, inglise ja kreeka keeles.
accessibility-contact-title = Probleemidest teatamine
accessibility-contact-body = Kui leiate probleemi, andke sellest teada oma omavalitsuse administraatorile. Ta vastab 5 tööpäeva jooksul.

## Ledger
nav-ledger = Pearaamat
ledger-title = Pearaamat
ledger-intro = Iga rahaliikumine on ülekanne sama raamatu kahe konto vahel. Igas raamatus on deebetid võrdsed kreeditega.
ledger-none = Omavalitsusel pole veel pearaamatut.
ledger-totals-caption = Kokku raamatute kaupa
ledger-ledger = Raamat
ledger-accounts = Kontod
ledger-debits-posted = Deebetid
ledger-credits-posted = Kreeditid
ledger-pending = Broneeritud (ootel)
ledger-balanced = Tasakaalus
ledger-yes = Jah
ledger-no = Ei
ledger-account-title = Pearaamatu konto
ledger-account-type = Liik
ledger-owner = Omanik
ledger-net = Saldo
ledger-held = Broneeritud väljaminevateks maksete jaoks
ledger-incoming-held = Broneeritud laekuvate maksete jaoks
ledger-statement = Väljavõte
ledger-statement-none = Ülekandeid veel pole.
ledger-when = Millal
ledger-reason = Põhjus
ledger-kind = Liik
ledger-in = Sisse
ledger-out = Välja

# Outcomes payment calculator
nav-outcomes-calculator = Tulemusmaksete kalkulaator
outcomes-calculator-title = Tulemusmaksete kalkulaator
outcomes-calculator-intro = Kleepige tulemuslepingu tekst ja selle nõuded, osalejad või kohordi tulemused, et näha, mis tuleks maksta. Midagi ei salvestata.
outcomes-calculator-examples = Alustage näitest:
outcomes-problems = Mida tuleb parandada
outcomes-statement = Maksearuanne
outcomes-contract = Leping
outcomes-mechanism = Maksemehhanism
outcomes-mechanism-rate-card = Hinnakiri: hind iga kontrollitud tulemuse eest
outcomes-mechanism-comparison-threshold = Lävend võrdlusrühma suhtes
outcomes-mechanism-savings-share = Osa avalikust säästust, koos püsitasudega
outcomes-mechanism-fixed-targets = Kindlad sihid
outcomes-total-due = Maksmisele kokku
outcomes-gross-due = Enne ülempiire
outcomes-claims = Nõuded
outcomes-claims-read = loetud
outcomes-claims-accepted = vastu võetud
outcomes-claims-refused = tagasi lükatud
outcomes-by-period = Perioodide kaupa
outcomes-by-metric = Tulemusnäitajate kaupa
outcomes-by-cohort = Kohortide kaupa
outcomes-period = Periood
outcomes-metric = Näitaja
outcomes-cohort = Kohort
outcomes-outcomes = Tulemused
outcomes-gross = Enne ülempiire
outcomes-paid = Maksta
outcomes-results = Tulemuspõhised maksed
outcomes-result-item = Kohort ja mõõdik
outcomes-measured = Mõõdetud
outcomes-threshold = Lävend
outcomes-met = Täidetud
outcomes-met-yes = Jah
outcomes-met-no = Ei
outcomes-caps = Makseid kärpinud ülempiirid
outcomes-cap = Ülempiir
outcomes-cap-participant = Osaleja kohta
outcomes-cap-period = Perioodi kohta
outcomes-cap-contract = Kogu leping
outcomes-cut = Kärbitud
outcomes-items-cut = Kärbitud makseid
outcomes-refusals = Tagasi lükatud nõuded põhjuse kaupa
outcomes-refused-claims = Tagasi lükatud nõuded
outcomes-reason = Põhjus
outcomes-line = Rida
outcomes-participant = Osaleja
outcomes-event-on = Tulemuse kuupäev
outcomes-refusals-not-shown = Veel { $count } tagasi lükatud nõuet on ülal loendatud, kuid siin loetlemata.
outcomes-inputs = Leping ja andmed
outcomes-field-contract = Leping (TOML)
outcomes-hint-contract = Lepingufail, nagu docs/outcomes.md seda kirjeldab.
outcomes-field-participants = Osalejad (CSV, valikuline)
outcomes-hint-participants = Päis participant,cohort,enrolled_on. Ainult pseudonüümid, mitte kunagi nimed.
outcomes-field-claims = Tulemusnõuded (CSV)
outcomes-hint-claims = Päis participant,metric,event_on ning soovi korral claimed_on ja cohort; kuupäevad kujul AAAA-KK-PP.
outcomes-field-results = Kohordi tulemused (CSV, valikuline)
outcomes-hint-results = Päis cohort,measure,value lävendi-, säästuosa- ja sihtlepingute jaoks.
outcomes-calculate-button = Arvuta maksed
refusal-unknown-metric = Näitajat pole lepingus
refusal-unknown-participant = Osaleja pole registreeritud
refusal-unknown-cohort = Kohorti pole lepingus
refusal-outside-contract-dates = Tulemus saabus väljaspool lepingu kuupäevi
refusal-before-enrolment = Tulemus saabus enne osaleja registreerimist
refusal-claimed-before-event = Nõue on dateeritud enne tulemust
refusal-outside-claim-window = Nõue esitati pärast näitaja nõudeaega
refusal-duplicate-once-only = Seda tulemust makstakse osaleja kohta üks kord ja see on juba nõutud
refusal-missing-prerequisite = Eeltingimuseks olevat tulemust pole sellele osalejale varem kontrollitud
