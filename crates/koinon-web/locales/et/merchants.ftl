# koinon — e-raha kaupmehed: taotlused, läbivaatus, avalik kataloog ja kassa.

## Kaupmehed
nav-merchants = Kaupmehed
merchants-title = Kaupmehed
merchants-intro = Kauplused, mis on akrediteeritud valla raha vastu võtma, ja nende taotlused.
merchants-none = Kaupmehi veel pole.
merchants-filter-button = Näita
merchants-next-page = Järgmine lehekülg
back-to-merchants = Tagasi kaupmeeste juurde
merchant-title = Kaupmees
merchant-status = Olek
merchant-status-any = Iga olek
merchant-status-applied = Taotlenud
merchant-status-accredited = Akrediteeritud
merchant-status-refused = Tagasi lükatud
merchant-status-suspended = Peatatud
merchant-status-reason = Põhjus
merchant-currency = Raha
merchant-registration = Registrikood (valikuline)
merchant-area = Piirkond
merchant-address = Aadress
merchant-email = E-post
merchant-phone = Telefon (valikuline)
merchant-description = Mida kauplus müüb (valikuline)
merchant-categories = Kulukategooriad
merchant-categories-hint = Märkige iga kategooria, mida kauplus müüb. Toetuse saajad saavad maksta ainult nende eest.
merchant-account = Pearaamatu konto
merchant-documents = Dokumendid
merchant-documents-hint = Registreerimisdokumendid või põhikiri: PDF, PNG või JPEG, igaüks kuni 5 MB, kuni { $max } faili.
merchant-documents-none = Dokumente pole.
merchant-owner = Kaupmehe kasutaja number (valikuline)
merchant-owner-hint = Kui taotlete kaupluse nimel: kaupluse kasutaja number, kes hakkab makseid vastu võtma.

## Taotlemine
merchant-apply-title = Akrediteerimise taotlus
merchant-apply-intro = Sotsiaalmajanduse kauplus taotleb valla raha vastuvõtmist. Ametnik vaatab taotluse läbi.
merchant-apply-no-currency = Vallal pole veel oma raha.
merchant-apply-button = Saada taotlus
flash-merchant-applied = Taotlus on saadetud. Ametnik vaatab selle läbi.

## Läbivaatus
merchant-review-title = Läbivaatus
merchant-review-action = Otsus
merchant-action-accredit = Akrediteeri
merchant-action-refuse = Lükka tagasi
merchant-action-suspend = Peata
merchant-action-reinstate = Taasta
merchant-review-reason = Põhjus
merchant-review-reason-hint = Vajalik tagasilükkamisel või peatamisel: kaupmehele teatatakse.
merchant-review-button = Salvesta otsus
flash-merchant-accredited = Kaupmees on akrediteeritud.
flash-merchant-refused = Taotlus lükati tagasi.
flash-merchant-suspended = Kaupmehe akrediteering muutus.

## Kulukategooriad
merchant-category-food = Toit
merchant-category-hygiene = Isiklik hügieen
merchant-category-cleaning = Puhastusvahendid
merchant-category-school-supplies = Koolitarbed ja raamatud
merchant-category-clothing = Riided ja jalanõud
merchant-category-pharmacy = Apteek (retseptivaba)
merchant-category-energy = Kodune energia
merchant-category-transport = Kohalik transport
merchant-category-culture = Kultuur ja sport

## Avalik kataloog
directory-title = Kauplused, kus saab selle rahaga maksta
directory-intro = Akrediteeritud sotsiaalmajanduse kauplused piirkondade kaupa. Makske kaardi ja PIN-koodiga või telefoniga.
directory-any-area = Kõik piirkonnad
directory-any-category = Kõik kategooriad
directory-none = Sobivat kauplust pole.

## Kassa
pos-title = Kassa
pos-amount = Summa ({ $currency })
pos-category = Kategooria
pos-card-code = Kaardi kood
pos-card-code-hint = Kaardil olevad 16 tähte ja numbrit, sisestatud või skannitud QR-koodist.
pos-pin = PIN-kood
pos-pin-hint = Kaardi omanik sisestab oma PIN-koodi.
pos-pay-button = Võta makse vastu
pos-paid-title = Makstud
pos-card = Kaart
pos-payment-id = Makse
pos-refused-title = Makse lükati tagasi
pos-not-accredited = See kauplus ei saa praegu makseid vastu võtta.
pos-latest = Viimased maksed
pos-statement-csv = Laadi väljavõte alla (CSV)
pos-latest-none = Makseid veel pole.
pos-when = Millal
pos-state = Olek
pos-amount-column = Summa
flash-payment-taken = Makse läks läbi.
payment-state-authorised = Kirjendamisel
payment-state-posted = Makstud
payment-state-held = Broneeritud
payment-state-captured = Võetud
payment-state-voided = Vabastatud
payment-state-failed = Ebaõnnestus
pos-refusal-wrong-pin = Vale PIN-kood. Veel { $left } valet katset ja kaart lukustub mõneks ajaks.
pos-refusal-card-locked = Liiga palju valesid PIN-koode: kaart on lukus kuni { $time }.
pos-refusal-card-blocked = Liiga palju valesid PIN-koode: kaart on blokeeritud, kuni sotsiaaltöötajad selle avavad.
pos-refusal-unknown-card = Selle koodiga kaarti pole. Kontrollige koodi kaardilt.
pos-refusal-card-replaced = See kaart on asendatud uuemaga.
pos-refusal-card-other-currency = See kaart on teise raha jaoks.
pos-refusal-merchant-not-accredited = See kauplus ei ole akrediteeritud seda raha vastu võtma.
pos-refusal-merchant-suspended = Selle kaupluse akrediteering on peatatud.
pos-refusal-category-not-sold-here = See kauplus ei ole selle kategooria jaoks akrediteeritud.
pos-refusal-category-not-allowed = Seda raha ei tohi selle kategooria peale kulutada.
pos-refusal-units-expired = Selle kaardi ühikud on aegunud.
pos-refusal-insufficient-balance = Kaardil pole piisavalt raha: saadaval { $amount }.
pos-refusal-daily-limit = Päevalimiit on ületatud: täna saab veel kulutada { $amount }.
pos-refusal-amount-must-be-positive = Summa peab olema suurem kui null.
pos-refusal-amount-too-large = Summa on suurem, kui üks makse olla tohib.
pos-refusal-ledger-refused = Makset ei saanud kirjendada. Proovige uuesti.
pos-refusal-insufficient-balance-plain = Kaardil pole piisavalt raha.

## Toetuse saajate kaardid
card-new-title = Väljasta kaart
card-new-intro = QR-koodiga kaart nutitelefonita leibkonnale. Leibkond valib oma PIN-koodi; leibkonna varasem kaart lakkab töötamast.
card-household = Leibkonna number
card-household-hint = Leibkonna number programmi nimekirjas.
card-pin = Leibkonna valitud PIN-kood
card-pin-hint = 4 kuni 6 numbrit, mitte üks ja sama number ega rida nagu 1234.
card-issue-button = Väljasta kaart
flash-card-issued = Kaart on väljastatud. Printige see kohe.
card-print-title = Kaardi printimine
card-print-intro = Printige see lehekülg ja lõigake kaart välja. Igaüks, kellel on kaart ja selle PIN-kood, saab sellega maksta.
card-print-pin = Hoidke oma PIN-kood saladuses. Ärge kunagi kirjutage seda kaardile.
card-print-where = Kauplused, kus seda saab kasutada:
card-qr-label = Kaardi { $code } QR-kood
card-replaced-warning = See kaart on asendatud uuemaga ega tööta enam.

## Kaupmehe ühikud ja eurod
merchant-money-title = Ühikud ja eurod
merchant-balance = Ühikuid olemas
merchant-balance-recent = Neist hiljuti saadud (varajase lunastamise tasu)
merchant-euros = Kauplusele välja makstud eurod
merchant-pay-title = Maksa teisele kauplusele
merchant-pay-to = Kauplus
merchant-pay-button = Maksa kauplusele
flash-merchant-paid = Teisele kauplusele on makstud.
merchant-redeem-title = Lunasta ühikud eurodeks
merchant-redeem-hint = Vald jätab endale lunastamistasu; ülejäänu makstakse eurodes tagatisfondist.
merchant-redeem-button = Lunasta
flash-merchant-redeemed = Ühikud on lunastatud; eurod on makstud kaupluse kontole.
