# koinon — merchants of the e-currency: applications, review, the public directory and the point of sale.

## Merchants
nav-merchants = Merchants
merchants-title = Merchants
merchants-intro = Shops accredited to accept the municipality's currency, and their applications.
merchants-none = No merchants yet.
merchants-filter-button = Show
merchants-next-page = Next page
back-to-merchants = Back to merchants
merchant-title = Merchant
merchant-status = Status
merchant-status-any = Any status
merchant-status-applied = Applied
merchant-status-accredited = Accredited
merchant-status-refused = Refused
merchant-status-suspended = Suspended
merchant-status-reason = Reason
merchant-currency = Currency
merchant-registration = Registration number (optional)
merchant-area = Area
merchant-address = Address
merchant-email = Email
merchant-phone = Phone (optional)
merchant-description = What the shop sells (optional)
merchant-categories = Spending categories
merchant-categories-hint = Tick every category the shop sells. Beneficiaries can pay only for these.
merchant-account = Ledger account
merchant-documents = Documents
merchant-documents-hint = Registration papers or statutes: PDF, PNG or JPEG, at most 5 MB each, up to { $max } files.
merchant-documents-none = No documents.
merchant-owner = Merchant user number (optional)
merchant-owner-hint = When you apply on a shop's behalf: the number of the shop's user, who will take payments.

## Applying
merchant-apply-title = Apply for accreditation
merchant-apply-intro = A social-economy shop applies to accept the municipality's currency. An officer reviews the application.
merchant-apply-no-currency = The municipality has no currency yet.
merchant-apply-button = Send the application
flash-merchant-applied = The application was sent. An officer will review it.

## Review
merchant-review-title = Review
merchant-review-action = Decision
merchant-action-accredit = Accredit
merchant-action-refuse = Refuse
merchant-action-suspend = Suspend
merchant-action-reinstate = Reinstate
merchant-review-reason = Reason
merchant-review-reason-hint = Needed to refuse or suspend: the merchant is told.
merchant-review-button = Save the decision
flash-merchant-accredited = The merchant is accredited.
flash-merchant-refused = The application was refused.
flash-merchant-suspended = The merchant's accreditation changed.

## Spending categories
merchant-category-food = Food and groceries
merchant-category-hygiene = Personal hygiene
merchant-category-cleaning = Household cleaning
merchant-category-school-supplies = School supplies and books
merchant-category-clothing = Clothing and shoes
merchant-category-pharmacy = Pharmacy (non-prescription)
merchant-category-energy = Household energy
merchant-category-transport = Local transport
merchant-category-culture = Culture and sport

## Public directory
directory-title = Shops that accept the currency
directory-intro = Accredited social-economy shops, by area. Pay with your card and PIN or with your phone.
directory-any-area = All areas
directory-any-category = All categories
directory-none = No shop matches.

## Point of sale
pos-title = Point of sale
pos-amount = Amount in { $currency }
pos-category = Category
pos-card-code = Card code
pos-card-code-hint = The 16 letters and digits on the card, typed or scanned from its QR code.
pos-pin = PIN
pos-pin-hint = The card holder types their PIN.
pos-pay-button = Take the payment
pos-paid-title = Paid
pos-card = Card
pos-payment-id = Payment
pos-refused-title = Payment refused
pos-not-accredited = This shop cannot take payments now.
pos-latest = Latest payments
pos-statement-csv = Download the statement (CSV)
pos-latest-none = No payments yet.
pos-when = When
pos-state = State
pos-amount-column = Amount
flash-payment-taken = The payment went through.
payment-state-authorised = Being posted
payment-state-posted = Paid
payment-state-held = Held
payment-state-captured = Captured
payment-state-voided = Released
payment-state-failed = Failed
pos-refusal-wrong-pin = Wrong PIN. { $left } more wrong PINs and the card is locked for a while.
pos-refusal-card-locked = Too many wrong PINs: the card is locked until { $time }.
pos-refusal-card-blocked = Too many wrong PINs: the card is blocked until the social services unlock it.
pos-refusal-unknown-card = No card has this code. Check it against the card.
pos-refusal-card-replaced = This card was replaced by a newer one.
pos-refusal-card-other-currency = This card is for another currency.
pos-refusal-merchant-not-accredited = This shop is not accredited to take the currency.
pos-refusal-merchant-suspended = This shop's accreditation is suspended.
pos-refusal-category-not-sold-here = This shop is not accredited for this category.
pos-refusal-category-not-allowed = The currency may not be spent on this category.
pos-refusal-units-expired = The units on this card have expired.
pos-refusal-insufficient-balance = Not enough on the card: { $amount } available.
pos-refusal-daily-limit = Over the daily limit: { $amount } may still be spent today.
pos-refusal-amount-must-be-positive = The amount must be more than zero.
pos-refusal-amount-too-large = The amount is larger than any single payment may be.
pos-refusal-ledger-refused = The payment could not be posted. Try again.
pos-refusal-insufficient-balance-plain = Not enough on the card.

## Beneficiaries' cards
card-new-title = Issue a card
card-new-intro = A card with a QR code for a household without a smartphone. The household chooses its PIN; an earlier card of the household stops working.
card-household = Household number
card-household-hint = The household's number in the programme's list.
card-pin = PIN chosen by the household
card-pin-hint = 4 to 6 digits, not one digit repeated nor a run like 1234.
card-issue-button = Issue the card
flash-card-issued = The card was issued. Print it now.
card-print-title = Print the card
card-print-intro = Print this page and cut the card out. Anyone who has the card and its PIN can pay with it.
card-print-pin = Keep your PIN secret. Never write it on the card.
card-print-where = Shops that take it:
card-qr-label = QR code of card { $code }
card-replaced-warning = This card was replaced by a newer one and no longer works.

## A merchant's units and euros
merchant-money-title = Units and euros
merchant-balance = Units held
merchant-balance-recent = Of which received recently (early redemption fee)
merchant-euros = Euros paid out to the shop
merchant-pay-title = Pay another shop
merchant-pay-to = Shop
merchant-pay-button = Pay the shop
flash-merchant-paid = The other shop was paid.
merchant-redeem-title = Redeem units to euros
merchant-redeem-hint = The municipality keeps its redemption fee; the rest is paid in euros from the guarantee fund.
merchant-redeem-button = Redeem
flash-merchant-redeemed = The units were redeemed; the euros were paid to the shop's account.
