# koinon — български: страници за потребители, организации, мрежи, одитен дневник и профил.
# Всеки ключ тук трябва да съществува и в en, el и et (проверява се от тест).

## Shared
none-value = Няма
pagination-label = Страници
pagination-next = Следваща страница
save-changes = Запазване на промените
field-display-name = Име
field-role = Роля
field-organisation = Организация
field-status = Състояние
field-kind = Вид организация
field-email-optional = Имейл адрес (по избор)
field-municipality = Община
hint-password = Използвайте 12 или повече знака. Няколко несвързани думи са добра парола.

## Users
users-title = Потребители и роли
users-none = Все още няма потребители.
user-new-title = Добавяне на потребител
user-edit-title = Потребител
user-edit-heading = Промяна на ролята и достъпа
user-create-button = Добавяне на потребител
user-status-active = Активен
user-status-disabled = Деактивиран
back-to-users = Обратно към потребителите
choose-role = Изберете роля
no-organisation = Без организация
hint-user-organisation = Само за доставчици на услуги, инвеститори и търговци: организацията, от чието име действат.
field-initial-password = Първоначална парола
field-disabled = Деактивиран профил
hint-disabled = Деактивиран потребител не може да влезе.
flash-user-created = Потребителят е добавен.
flash-user-updated = Потребителят е променен.

## Organisations
organisations-title = Организации
organisations-none = Все още няма организации.
organisation-new-title = Добавяне на организация
organisation-title = Организация
organisation-create-button = Добавяне на организация
back-to-organisations = Обратно към организациите
choose-kind = Изберете вид
flash-organisation-created = Организацията е добавена.

## Networks
networks-title = Мрежи и партньори
networks-none = Все още няма мрежи.
network-new-title = Добавяне на мрежа
network-title = Мрежа
network-create-button = Добавяне на мрежа
back-to-networks = Обратно към мрежите
field-programme = Програма
hint-programme = Програмата за финансиране, например URBACT или INTERREG Europe.
field-starts-on = Начална дата
field-ends-on = Крайна дата
field-starts-on-optional = Начална дата (по избор)
field-ends-on-optional = Крайна дата (по избор)
hint-date = Година, месец и ден, например 2019-10-07
partners-heading = Партньори
partners-none = Тази мрежа все още няма партньори.
partner-lead-tag = Водещ партньор
partner-add-heading = Добавяне на партньор
partner-add-button = Добавяне на партньор
field-partner-name = Име на партньора
field-tenant-code = Код в koinon
field-tenant-code-optional = Код в koinon (по избор)
hint-country = Две букви, например NL или GR
hint-tenant-code = Ако партньорът е община в този koinon, нейният код, например heerlen.
field-is-lead = Този партньор е водещият партньор
flash-network-created = Мрежата е добавена.
flash-partner-added = Партньорът е добавен.

## Audit log
audit-title = Одитен дневник
audit-lead = Всяка промяна се записва тук, като най-новите са първи. Всеки запис съдържа хеш на предходния, така че никой запис да не може да бъде променен или премахнат незабелязано.
audit-caption = Одитни записи, най-новите първи
audit-none = Все още няма записи.
audit-entry = Запис
audit-time = Време
audit-actor = От
audit-action = Действие
audit-object = Обект
audit-summary = Подробности
audit-hash = Хеш
audit-older = По-стари записи

## Account
account-title = Вашият профил
account-password-heading = Промяна на паролата
account-password-lead = Другите ви сесии ще бъдат прекратени.
field-current-password = Текуща парола
field-new-password = Нова парола
field-confirm-password = Потвърдете новата парола
account-password-button = Промяна на паролата
flash-password-changed = Паролата ви е променена.

## Field errors, by code
field-error-passwords-do-not-match = Паролите не съвпадат
field-error-email-in-use = Вече съществува потребител с този имейл адрес
field-error-name-in-use = Вече съществува запис с това име
field-error-partner-in-network = Тази мрежа вече има партньор с това име
field-error-lead-partner-exists = Тази мрежа вече има водещ партньор
field-error-too-many-partners = Тази мрежа вече има максималния брой партньори
field-error-invalid-tenant-code = Въведете код от малки латински букви, цифри или тирета, например baia-mare
field-error-invalid-cursor = Тази връзка към страница не е валидна
