# koinon — outcomes evidence files, spreadsheet uploads, drawdowns and waterfall terms.

## Evidence files of claims
evidence-column = Доказателства
evidence-download = Изтегляне
evidence-none = Няма
evidence-file = Файл с доказателство
evidence-file-hint = PDF, PNG, JPEG, текст или CSV, до 10 MB. Един файл за заявка, преди тя да бъде проверена.
evidence-upload-button = Качване
flash-evidence-attached = Доказателството е запазено към заявката.

## Spreadsheet uploads of imports
evidence-upload-heading = Или качете файл
evidence-import-file = Файл CSV или XLSX
evidence-import-file-hint = Файл CSV или работна книга на Excel (.xlsx) със същите колони, до 10 MB. Нищо не се записва, преди да потвърдите прегледа.
evidence-sheet = Работен лист (по избор)
evidence-sheet-hint = Името на листа, който да се прочете. Празно: листът с името на импорта, иначе първият.
evidence-upload-preview-button = Качване и преглед
evidence-preview-sheet = Редове от листа „{ $sheet }“; всеки ред е номериран както в работната книга.
evidence-row = Ред на листа
evidence-sheet-row = Лист „{ $sheet }“, ред

## Drawdowns and waterfall terms
evidence-drawdowns-title = Усвоявания и разпределение
evidence-drawdowns-none = Все още не е усвоен капитал.
evidence-drawn-on = Дата на усвояване
evidence-investor = Инвеститор
evidence-committed = поет ангажимент
evidence-drawdown-heading = Записване на усвояване
evidence-no-investors = Договорът няма инвеститори.
evidence-amount-hint = Във валутата на договора, например 800.00. Усвояванията от инвеститор никога не надхвърлят поетия от него ангажимент.
evidence-drawdown-button = Записване на усвояването
flash-drawdown-recorded = Усвояването е записано и осчетоводено в главната книга.
evidence-waterfall-heading = Условия на разпределението
evidence-waterfall-form-heading = Промяна на условията на разпределението
evidence-return-cap = Таван на възвръщаемостта на инвеститорите
evidence-return-cap-none = Без таван
evidence-return-cap-hint = Кратно на капитала от 1 до 10, например 1.10 за капитала плюс най-много 10%. Оставете празно за липса на таван. Само преди договорът да започне.
evidence-residual-share = Дял на инвеститорите от остатъка
evidence-residual-share-hint = Процент от 0 до 100; останалото отива при доставчика.
evidence-waterfall-button = Запазване на условията на разпределението
flash-waterfall-set = Условията на разпределението са запазени.

## A payment run's statement
evidence-statement-details = Подробно извлечение
evidence-planned-actual = Планирано спрямо действително, по кохорти
evidence-planned-participants = Планирани участници
evidence-enrolled = Записани
evidence-participants-paid = Участници с плащане
evidence-by-participant = По участници
evidence-participants-not-shown = Още { $count } участници не са показани тук.
evidence-caps-applied = Кои тавани какво са намалили
evidence-cap-scope = Отнася се за
evidence-caps-not-listed = Още { $count } тавана за участник са намалили плащания; те са включени в сумите.

## Cohort results for a payment run
evidence-results-heading = Подготовка на плащане с резултати на кохортите
evidence-results-intro = За плащания с праг, дял от спестяванията или фиксирани цели: измерените резултати на кохортите, като файл. Плащането се подготвя за проверка; нищо не се изплаща, преди одобряващ да го одобри.
evidence-results-file = Резултати на кохортите (CSV или XLSX)
evidence-results-file-hint = Колони cohort, measure, value; до 10 MB.
evidence-results-sheet-hint = Името на листа, който да се прочете. Празно: листът „results“, иначе първият.
evidence-results-button = Подготовка на плащането с тези резултати

## The verification queue
evidence-overdue-since = Просрочена от { $date }
