# koinon — български. Всеки ключ тук трябва да съществува и в en, el и et (проверява се с тест).

## Оформление
skip-to-content = Към основното съдържание
language-switcher = Език
nav-main = Главно меню
nav-dashboard = Табло
nav-users = Потребители и роли
nav-organisations = Организации
nav-networks = Мрежи и партньори
nav-audit = Одитен дневник
nav-account = Вашият профил
sign-in = Вход
sign-out = Изход
footer-api = JSON API (OpenAPI)
footer-licence = koinon е софтуер с отворен код за общини и техните партньори.
error-prefix = Грешка
error-summary-title = Има проблем

## Начална страница
home-title = Възлагайте, финансирайте и отчитайте социалните услуги заедно
home-lead = koinon помага на общините и техните мрежи да работят с НПО, социални предприятия, инвеститори и граждани: договори с плащане според резултатите и облигации със социално въздействие, електронна валута за социално подпомагане, покани за грантове за социални иновации, портал за гражданите и мрежи с финансиране от ЕС — като всеки цент е отразен в една точна счетоводна книга.
home-modules = Какво прави koinon
home-municipalities = Общини в този koinon
home-no-municipalities = Все още няма добавени общини.
module-outcomes = Договори, основани на резултати
module-outcomes-body = тарифи за резултатите, заявки за плащане на постигнати резултати и тяхната проверка, цикли на плащания и възвръщаемост за инвеститорите.
module-currency = Социална електронна валута
module-currency-body = помощи, изплащани в местна валута, които се харчат в акредитирани магазини от социалната икономика.
module-grants = Грантове и услуги
module-grants-body = покани за предложения, оценяване и отпускане на грантове, както и регистърът на социалните услуги, възложени на външни доставчици.
module-portal = Портал за гражданите
module-portal-body = наем, данъци, помощи, портфейл и услуги на НПО на едно място.
module-network = Мрежи
module-network-body = мрежи от общини, техните проекти с финансиране от ЕС, партньори и бюджети.

## Вход
sign-in-title = Вход
field-email = Имейл адрес
field-password = Парола
flash-signed-in = Влязохте в системата.
flash-signed-out = Излязохте от системата.

## Табло
dashboard-title = Табло
dashboard-signed-in-as = Влезли сте с ролята: { $role }.
dashboard-last-change = Последна промяна

## Полета
field-name = Име
field-country = Държава
field-currency = Валута

## Роли
role-admin = Администратор
role-officer = Служител
role-approver = Одобряващ
role-reviewer = Рецензент или оценител
role-provider = Доставчик на услуги
role-investor = Инвеститор
role-merchant = Търговец
role-beneficiary = Гражданин
role-auditor = Одитор

## Видове организации
org-kind-ngo = НПО
org-kind-social-enterprise = Социално предприятие
org-kind-investor = Инвеститор
org-kind-landlord = Наемодател
org-kind-merchant = Търговец
org-kind-public-body = Публичен орган

## Грешки в полетата, по код
field-error-required = Въведете тази информация
field-error-too-long = Текстът е твърде дълъг
field-error-invalid-email = Въведете имейл адрес в правилен формат, например name@example.org
field-error-wrong-credentials = Имейл адресът или паролата не са правилни
field-error-too-many-attempts = Твърде много опити за вход: изчакайте 15 минути и опитайте отново
field-error-password-too-short = Паролата трябва да е поне 12 знака
field-error-password-too-long = Паролата трябва да е най-много 128 знака
field-error-wrong-password = Текущата парола не е правилна
field-error-already-exists = Това вече съществува
field-error-invalid-role = Изберете роля от списъка
field-error-invalid-organisation-kind = Изберете вид организация от списъка
field-error-invalid-date = Въведете действителна дата, например 2019-10-07
field-error-ends-before-start = Крайната дата трябва да е същата като началната дата или след нея
field-error-invalid-country = Въведете двубуквен код на държава, например NL или GR
field-error-unknown-tenant = Няма община с този код
field-error-unknown-organisation = Изберете организация от тази община
field-error-invalid-characters = Премахнете управляващите знаци
field-error-cannot-demote-self = Не можете да премахнете собствената си роля на администратор или да деактивирате собствения си профил
field-error-invalid-locale = Изберете език от списъка

## Грешки
error-go-home = Към началната страница
error-invalid-title = Проверете въведеното
error-invalid-body = Част от въведеното от Вас не може да бъде използвано.
error-bad-form-body = Формулярът не можа да бъде прочетен. Върнете се назад и опитайте отново.
error-too-large-body = Изпратеното от Вас е твърде голямо.
error-signin-title = Влезте, за да продължите
error-signin-body = Трябва да влезете, за да видите тази страница.
error-forbidden-title = Нямате достъп до тази страница
error-forbidden-body = Вашата роля не позволява това. Ако Ви е необходим достъп, обърнете се към администратор на Вашата община.
error-not-found-title = Страницата не е намерена
error-not-found-body = Ако сте въвели уеб адреса ръчно, проверете дали е правилен.
error-conflict-title = Това вече съществува
error-conflict-body = Вече има запис със същото име или код.
error-throttled-title = Твърде много опити
error-throttled-body = Изчакайте 15 минути и опитайте отново.
error-server-title = Съжаляваме, има проблем с услугата
error-server-body = Опитайте отново по-късно. Въведеното от Вас не е запазено.
error-csrf-title = Формулярът е изтекъл
error-csrf-body = За Вашата сигурност формулярът не беше изпратен. Върнете се назад, презаредете страницата и опитайте отново.

## Декларация за достъпност
accessibility-title = Декларация за достъпност
accessibility-intro = koinon е създаден така, че да може да се използва от възможно най-много хора – на евтин телефон, без JavaScript, на Вашия език и с екранен четец.
accessibility-how-title = Доколко е достъпна тази услуга
accessibility-how-zoom = Можете да увеличите мащаба до 400%, без текстът да излиза извън екрана.
accessibility-how-keyboard = Можете да използвате всяка страница само с клавиатура; фокусът винаги е видим.
accessibility-how-screen-reader = Страниците имат заглавия, ориентири, полета с етикети и съобщения за грешки, свързани с полетата, за които се отнасят.
accessibility-how-no-js = Всички страници и формуляри работят без JavaScript.
accessibility-how-language = Можете да изберете езика си на всяка страница; поддържат се и писмености, които се пишат отдясно наляво.
accessibility-status-title = Състояние на съответствие
accessibility-status-body = Тази услуга има за цел да отговаря на Указанията за достъпност на уеб съдържанието (WCAG) 2.2 на ниво AA.
accessibility-testing-title = Как тестваме
accessibility-testing-body = Всяка нова версия се проверява с автоматизирани тестове, които отварят всяка страница в браузър и прилагат към нея правилата за достъпност на axe-core – на английски и на гръцки.
accessibility-contact-title = Съобщаване за проблеми
accessibility-contact-body = Ако откриете проблем, съобщете на администратора на Вашата община. Той ще Ви отговори в срок от 5 работни дни.

## Ledger
nav-ledger = Счетоводна книга
ledger-title = Счетоводна книга
ledger-intro = Всяко движение на пари е превод между две сметки от една и съща книга. За всяка книга дебитите са равни на кредитите.
ledger-none = Общината все още няма счетоводна книга.
ledger-totals-caption = Общо по книги
ledger-ledger = Книга
ledger-accounts = Сметки
ledger-debits-posted = Дебити
ledger-credits-posted = Кредити
ledger-pending = Блокирани (чакащи)
ledger-balanced = Балансирана
ledger-yes = Да
ledger-no = Не
ledger-account-title = Сметка в книгата
ledger-account-type = Вид
ledger-owner = Титуляр
ledger-net = Салдо
ledger-held = Блокирани за изходящи плащания
ledger-incoming-held = Блокирани за входящи плащания
ledger-statement = Извлечение
ledger-statement-none = Все още няма преводи.
ledger-when = Кога
ledger-reason = Основание
ledger-kind = Вид
ledger-in = Постъпления
ledger-out = Плащания

# Outcomes payment calculator
nav-outcomes-calculator = Калкулатор на плащанията
outcomes-calculator-title = Калкулатор на плащанията за резултати
outcomes-calculator-intro = Поставете договор за резултати и неговите заявки, участници или резултати по кохорти, за да видите какво би се дължало. Нищо не се запазва.
outcomes-calculator-examples = Започнете от пример:
outcomes-problems = Какво трябва да се поправи
outcomes-statement = Отчет за плащанията
outcomes-contract = Договор
outcomes-mechanism = Механизъм на плащане
outcomes-mechanism-rate-card = Тарифа: цена за всеки проверен резултат
outcomes-mechanism-comparison-threshold = Праг спрямо контролна група
outcomes-mechanism-savings-share = Дял от публичните спестявания, с фиксирани такси
outcomes-mechanism-fixed-targets = Фиксирани цели
outcomes-total-due = Общо дължимо
outcomes-gross-due = Дължимо преди таваните
outcomes-claims = Заявки
outcomes-claims-read = прочетени
outcomes-claims-accepted = приети
outcomes-claims-refused = отказани
outcomes-by-period = По период
outcomes-by-metric = По показател за резултат
outcomes-by-cohort = По кохорта
outcomes-period = Период
outcomes-metric = Показател
outcomes-cohort = Кохорта
outcomes-outcomes = Резултати
outcomes-gross = Преди таваните
outcomes-paid = Дължимо
outcomes-results = Плащания според резултатите
outcomes-result-item = Кохорта и мярка
outcomes-measured = Измерено
outcomes-threshold = Праг
outcomes-met = Постигнат
outcomes-met-yes = Да
outcomes-met-no = Не
outcomes-caps = Тавани, които намалиха плащанията
outcomes-cap = Таван
outcomes-cap-participant = На участник
outcomes-cap-period = На период
outcomes-cap-contract = Целия договор
outcomes-cut = Намаление
outcomes-items-cut = Намалени плащания
outcomes-refusals = Отказани заявки по причина
outcomes-refused-claims = Отказани заявки
outcomes-reason = Причина
outcomes-line = Ред
outcomes-participant = Участник
outcomes-event-on = Дата на резултата
outcomes-refusals-not-shown = Още { $count } отказани заявки са преброени по-горе, но не са изброени.
outcomes-inputs = Договор и данни
outcomes-field-contract = Договор (TOML)
outcomes-hint-contract = Файлът на договора, както е описан в docs/outcomes.md.
outcomes-field-participants = Участници (CSV, по избор)
outcomes-hint-participants = Заглавен ред participant,cohort,enrolled_on. Само псевдоними, никога имена.
outcomes-field-claims = Заявки за резултати (CSV)
outcomes-hint-claims = Заглавен ред participant,metric,event_on и по избор claimed_on и cohort; дати като ГГГГ-ММ-ДД.
outcomes-field-results = Резултати по кохорти (CSV, по избор)
outcomes-hint-results = Заглавен ред cohort,measure,value, за договори с праг, дял от спестявания и цели.
outcomes-calculate-button = Изчисли плащанията
refusal-unknown-metric = Показателят не е в договора
refusal-unknown-participant = Участникът не е записан
refusal-unknown-cohort = Кохортата не е в договора
refusal-outside-contract-dates = Резултатът е извън сроковете на договора
refusal-before-enrolment = Резултатът е преди записването на участника
refusal-claimed-before-event = Заявката е с дата преди резултата
refusal-outside-claim-window = Заявката е подадена след срока за заявяване
refusal-duplicate-once-only = Този резултат се плаща веднъж на участник и вече е заявен
refusal-missing-prerequisite = Предварителният резултат не е проверен по-рано за този участник
