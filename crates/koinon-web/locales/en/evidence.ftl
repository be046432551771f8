# koinon — outcomes evidence files, spreadsheet uploads, drawdowns and waterfall terms.

## Evidence files of claims
evidence-column = Evidence
evidence-download = Download
evidence-none = None
evidence-file = Evidence file
evidence-file-hint = PDF, PNG, JPEG, text or CSV, at most 10 MB. One file per claim, before it is reviewed.
evidence-upload-button = Upload
flash-evidence-attached = The evidence was kept with the claim.

## Spreadsheet uploads of imports
evidence-upload-heading = Or upload a file
evidence-import-file = CSV or XLSX file
evidence-import-file-hint = A CSV file or an Excel workbook (.xlsx) with the same columns, at most 10 MB. Nothing is written before you commit the preview.
evidence-sheet = Worksheet (optional)
evidence-sheet-hint = The name of the worksheet to read. Empty: the sheet named like the import, else the first.
evidence-upload-preview-button = Upload and preview
evidence-preview-sheet = Rows of the worksheet “{ $sheet }”; each row is numbered as in the workbook.
evidence-row = Row
evidence-sheet-row = Worksheet “{ $sheet }”, row

## Drawdowns and waterfall terms
evidence-drawdowns-title = Drawdowns and waterfall
evidence-drawdowns-none = No capital has been drawn yet.
evidence-drawn-on = Drawn on
evidence-investor = Investor
evidence-committed = committed
evidence-drawdown-heading = Record a drawdown
evidence-no-investors = The contract has no investors.
evidence-amount-hint = In the contract's currency, like 800.00. The investors' drawdowns never exceed their commitment.
evidence-drawdown-button = Record the drawdown
flash-drawdown-recorded = The drawdown was recorded and posted to the ledger.
evidence-waterfall-heading = Waterfall terms
evidence-waterfall-form-heading = Change the waterfall terms
evidence-return-cap = Investors' return cap
evidence-return-cap-none = No cap
evidence-return-cap-hint = A money multiple from 1 to 10, like 1.10 for the capital plus at most 10%. Leave empty for no cap. Only before the contract runs.
evidence-residual-share = Investors' share of the residual
evidence-residual-share-hint = A percentage from 0 to 100; the rest goes to the provider.
evidence-waterfall-button = Save the waterfall terms
flash-waterfall-set = The waterfall terms were saved.

## A payment run's statement
evidence-statement-details = The statement in detail
evidence-planned-actual = Planned against actual, by cohort
evidence-planned-participants = Planned participants
evidence-enrolled = Enrolled
evidence-participants-paid = Participants paid
evidence-by-participant = By participant
evidence-participants-not-shown = { $count } more participants are not listed here.
evidence-caps-applied = Which caps cut what
evidence-cap-scope = Applies to
evidence-caps-not-listed = { $count } more participant caps cut payments; they are counted in the totals.

## Cohort results for a payment run
evidence-results-heading = Prepare a run with cohort results
evidence-results-intro = For threshold, savings-share and fixed-target payments: the measured results of the cohorts, as a file. The run is prepared for checking; nothing is paid before an approver approves it.
evidence-results-file = Cohort results (CSV or XLSX)
evidence-results-file-hint = Columns cohort, measure, value; at most 10 MB.
evidence-results-sheet-hint = The name of the worksheet to read. Empty: the sheet named “results”, else the first.
evidence-results-button = Prepare the run with these results

## The verification queue
evidence-overdue-since = Overdue since { $date }
