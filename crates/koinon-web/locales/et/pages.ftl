# koinon — eesti: kasutajate, organisatsioonide, võrgustike, auditilogi ja konto lehed.
# Iga võti siin peab olema olemas ka failides en, el ja bg (seda kontrollib test).

## Shared
none-value = Puudub
pagination-label = Lehed
pagination-next = Järgmine leht
save-changes = Salvesta muudatused
field-display-name = Nimi
field-role = Roll
field-organisation = Organisatsioon
field-status = Olek
field-kind = Organisatsiooni liik
field-email-optional = E-posti aadress (valikuline)
field-municipality = Omavalitsus
hint-password = Kasutage vähemalt 12 märki. Mõni omavahel seostamata sõna teeb hea parooli.

## Users
users-title = Kasutajad ja rollid
users-none = Kasutajaid veel ei ole.
user-new-title = Lisa kasutaja
user-edit-title = Kasutaja
user-edit-heading = Muuda rolli ja juurdepääsu
user-create-button = Lisa kasutaja
user-status-active = Aktiivne
user-status-disabled = Keelatud
back-to-users = Tagasi kasutajate juurde
choose-role = Valige roll
no-organisation = Organisatsioon puudub
hint-user-organisation = Ainult teenuseosutajatele, investoritele ja kaupmeestele: organisatsioon, mille nimel nad tegutsevad.
field-initial-password = Esialgne parool
field-disabled = Konto on keelatud
hint-disabled = Keelatud kasutaja ei saa sisse logida.
flash-user-created = Kasutaja on lisatud.
flash-user-updated = Kasutajat on muudetud.

## Organisations
organisations-title = Organisatsioonid
organisations-none = Organisatsioone veel ei ole.
organisation-new-title = Lisa organisatsioon
organisation-title = Organisatsioon
organisation-create-button = Lisa organisatsioon
back-to-organisations = Tagasi organisatsioonide juurde
choose-kind = Valige liik
flash-organisation-created = Organisatsioon on lisatud.

## Networks
networks-title = Võrgustikud ja partnerid
networks-none = Võrgustikke veel ei ole.
network-new-title = Lisa võrgustik
network-title = Võrgustik
network-create-button = Lisa võrgustik
back-to-networks = Tagasi võrgustike juurde
field-programme = Programm
hint-programme = Rahastusprogramm, näiteks URBACT või INTERREG Europe.
field-starts-on = Alguskuupäev
field-ends-on = Lõppkuupäev
field-starts-on-optional = Alguskuupäev (valikuline)
field-ends-on-optional = Lõppkuupäev (valikuline)
hint-date = Aasta, kuu ja päev, näiteks 2019-10-07
partners-heading = Partnerid
partners-none = Sellel võrgustikul ei ole veel partnereid.
partner-lead-tag = Juhtpartner
partner-add-heading = Lisa partner
partner-add-button = Lisa partner
field-partner-name = Partneri nimi
field-tenant-code = Kood koinonis
field-tenant-code-optional = Kood koinonis (valikuline)
hint-country = Kaks tähte, näiteks NL või GR
hint-tenant-code = Kui partner on selle koinoni omavalitsus, selle kood, näiteks heerlen.
field-is-lead = See partner on juhtpartner
flash-network-created = Võrgustik on lisatud.
flash-partner-added = Partner on lisatud.

## Audit log
audit-title = Auditilogi
audit-lead = Iga muudatus kirjendatakse siia, uusimad eespool. Iga kirje sisaldab eelmise kirje räsi, nii et ühtegi kirjet ei saa märkamatult muuta ega eemaldada.
audit-caption = Auditikirjed, uusimad eespool
audit-none = Kirjeid veel ei ole.
audit-entry = Kirje
audit-time = Aeg
audit-actor = Tegija
audit-action = Toiming
audit-object = Objekt
audit-summary = Üksikasjad
audit-hash = Räsi
audit-older = Vanemad kirjed

## Account
account-title = Teie konto
account-password-heading = Muuda parooli
account-password-lead = Teie teised seansid logitakse välja.
field-current-password = Praegune parool
field-new-password = Uus parool
field-confirm-password = Kinnitage uus parool
account-password-button = Muuda parooli
flash-password-changed = Teie parool on muudetud.

## Field errors, by code
field-error-passwords-do-not-match = Paroolid ei kattu
field-error-email-in-use = Selle e-posti aadressiga kasutaja on juba olemas
field-error-name-in-use = Selle nimega kirje on juba olemas
field-error-partner-in-network = Sellel võrgustikul on juba selle nimega partner
field-error-lead-partner-exists = Sellel võrgustikul on juba juhtpartner
field-error-too-many-partners = Sellel võrgustikul on juba suurim lubatud arv partnereid
field-error-invalid-tenant-code = Sisestage kood väikeste ladina tähtede, numbrite või sidekriipsudega, näiteks baia-mare
field-error-invalid-cursor = See lehe link ei kehti
