# koinon — търговци на електронната валута: заявления, преглед, публичен справочник и каса.

## Търговци
nav-merchants = Търговци
merchants-title = Търговци
merchants-intro = Магазини, акредитирани да приемат валутата на общината, и техните заявления.
merchants-none = Все още няма търговци.
merchants-filter-button = Покажи
merchants-next-page = Следваща страница
back-to-merchants = Обратно към търговците
merchant-title = Търговец
merchant-status = Статус
merchant-status-any = Всеки статус
merchant-status-applied = Подадено заявление
merchant-status-accredited = Акредитиран
merchant-status-refused = Отказан
merchant-status-suspended = Спрян
merchant-status-reason = Причина
merchant-currency = Валута
merchant-registration = Регистрационен номер (по избор)
merchant-area = Район
merchant-address = Адрес
merchant-email = Имейл
merchant-phone = Телефон (по избор)
merchant-description = Какво продава магазинът (по избор)
merchant-categories = Категории разходи
merchant-categories-hint = Отбележете всяка категория, която магазинът продава. Бенефициентите могат да плащат само за тях.
merchant-account = Сметка в счетоводната книга
merchant-documents = Документи
merchant-documents-hint = Регистрационни документи или устав: PDF, PNG или JPEG, до 5 MB всеки, до { $max } файла.
merchant-documents-none = Няма документи.
merchant-owner = Номер на потребителя търговец (по избор)
merchant-owner-hint = Когато кандидатствате от името на магазин: номерът на потребителя на магазина, който ще приема плащания.

## Кандидатстване
merchant-apply-title = Кандидатстване за акредитация
merchant-apply-intro = Магазин от социалната икономика кандидатства да приема валутата на общината. Служител разглежда заявлението.
merchant-apply-no-currency = Общината все още няма валута.
merchant-apply-button = Изпратете заявлението
flash-merchant-applied = Заявлението е изпратено. Служител ще го разгледа.

## Преглед
merchant-review-title = Преглед
merchant-review-action = Решение
merchant-action-accredit = Акредитиране
merchant-action-refuse = Отказ
merchant-action-suspend = Спиране
merchant-action-reinstate = Възстановяване
merchant-review-reason = Причина
merchant-review-reason-hint = Нужна е при отказ или спиране: търговецът я получава.
merchant-review-button = Запазете решението
flash-merchant-accredited = Търговецът е акредитиран.
flash-merchant-refused = Заявлението е отказано.
flash-merchant-suspended = Акредитацията на търговеца е променена.

## Категории разходи
merchant-category-food = Храни
merchant-category-hygiene = Лична хигиена
merchant-category-cleaning = Почистващи препарати
merchant-category-school-supplies = Училищни пособия и книги
merchant-category-clothing = Облекло и обувки
merchant-category-pharmacy = Аптека (без рецепта)
merchant-category-energy = Енергия за дома
merchant-category-transport = Местен транспорт
merchant-category-culture = Култура и спорт

## Публичен справочник
directory-title = Магазини, които приемат валутата
directory-intro = Акредитирани магазини от социалната икономика по райони. Платете с карта и ПИН или с телефона си.
directory-any-area = Всички райони
directory-any-category = Всички категории
directory-none = Няма подходящ магазин.

## Каса
pos-title = Каса
pos-amount = Сума в { $currency }
pos-category = Категория
pos-card-code = Код на картата
pos-card-code-hint = 16-те букви и цифри от картата, въведени или сканирани от QR кода ѝ.
pos-pin = ПИН
pos-pin-hint = Притежателят на картата въвежда своя ПИН.
pos-pay-button = Приемете плащането
pos-paid-title = Платено
pos-card = Карта
pos-payment-id = Плащане
pos-refused-title = Плащането е отказано
pos-not-accredited = Този магазин не може да приема плащания в момента.
pos-latest = Последни плащания
pos-statement-csv = Изтеглете извлечението (CSV)
pos-latest-none = Все още няма плащания.
pos-when = Кога
pos-state = Състояние
pos-amount-column = Сума
flash-payment-taken = Плащането е извършено.
payment-state-authorised = Осчетоводява се
payment-state-posted = Платено
payment-state-held = Блокирано
payment-state-captured = Усвоено
payment-state-voided = Освободено
payment-state-failed = Неуспешно
pos-refusal-wrong-pin = Грешен ПИН. Още { $left } грешни опита и картата се блокира за известно време.
pos-refusal-card-locked = Твърде много грешни ПИН кодове: картата е блокирана до { $time }.
pos-refusal-card-blocked = Твърде много грешни ПИН кодове: картата е блокирана, докато социалните служби не я отключат.
pos-refusal-unknown-card = Няма карта с този код. Сверете го с картата.
pos-refusal-card-replaced = Тази карта е заменена с по-нова.
pos-refusal-card-other-currency = Тази карта е за друга валута.
pos-refusal-merchant-not-accredited = Този магазин не е акредитиран да приема валутата.
pos-refusal-merchant-suspended = Акредитацията на този магазин е спряна.
pos-refusal-category-not-sold-here = Този магазин не е акредитиран за тази категория.
pos-refusal-category-not-allowed = Валутата не може да се харчи за тази категория.
pos-refusal-units-expired = Средствата по тази карта са с изтекъл срок.
pos-refusal-insufficient-balance = Недостатъчна наличност по картата: налични са { $amount }.
pos-refusal-daily-limit = Над дневния лимит: днес могат да се похарчат още { $amount }.
pos-refusal-amount-must-be-positive = Сумата трябва да е по-голяма от нула.
pos-refusal-amount-too-large = Сумата е по-голяма от допустимото за едно плащане.
pos-refusal-ledger-refused = Плащането не можа да бъде осчетоводено. Опитайте отново.
pos-refusal-insufficient-balance-plain = Недостатъчна наличност по картата.

## Карти на бенефициентите
card-new-title = Издаване на карта
card-new-intro = Карта с QR код за домакинство без смартфон. Домакинството избира своя ПИН; предишната карта на домакинството спира да работи.
card-household = Номер на домакинството
card-household-hint = Номерът на домакинството в списъка на програмата.
card-pin = ПИН, избран от домакинството
card-pin-hint = От 4 до 6 цифри, не една и съща цифра, нито поредица като 1234.
card-issue-button = Издайте картата
flash-card-issued = Картата е издадена. Отпечатайте я сега.
card-print-title = Отпечатване на картата
card-print-intro = Отпечатайте тази страница и изрежете картата. Всеки, който има картата и нейния ПИН, може да плаща с нея.
card-print-pin = Пазете своя ПИН в тайна. Никога не го пишете върху картата.
card-print-where = Магазини, които я приемат:
card-qr-label = QR код на карта { $code }
card-replaced-warning = Тази карта е заменена с по-нова и вече не работи.

## Единици и евро на търговеца
merchant-money-title = Единици и евро
merchant-balance = Налични единици
merchant-balance-recent = От тях получени наскоро (такса за ранно осребряване)
merchant-euros = Изплатени евро на магазина
merchant-pay-title = Плащане към друг магазин
merchant-pay-to = Магазин
merchant-pay-button = Платете на магазина
flash-merchant-paid = Другият магазин е платен.
merchant-redeem-title = Осребряване на единици в евро
merchant-redeem-hint = Общината задържа таксата си за осребряване; останалото се изплаща в евро от гаранционния фонд.
merchant-redeem-button = Осребрете
flash-merchant-redeemed = Единиците са осребрени; еврото е изплатено по сметката на магазина.
