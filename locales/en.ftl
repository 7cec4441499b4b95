## Migo onboarding bot — English.

## Conversation

welcome =
    Hello! 👋 I'm the Migo assistant. I'll help you register your business for the Migo products:
    • Physical cards for your business
    • The Migo Wallet app
    • Alternative payments inside the wallet (QR and cards)
    It's about {$total} questions and takes around 5 minutes. Keep your DPI and your NIT at hand.
    Type /back to go to the previous question, /help for help, /language para español, or /cancel to cancel.
welcome-back = Welcome back! Let's continue where we left off.
session-expired = Your previous conversation expired after a long pause and, for your security, we deleted your answers. Let's start again.
session-outdated = We updated the assistant and couldn't recover your previous conversation. Sorry about that: let's start again.
done-already = Your registration is complete. Your invitation code is { $code }. You can check it with /status { $code }.
unsupported = { $kind ->
        [forward] Forwarded messages don't count as answers. Please type your answer to the question above.
        [contact] We'll ask for your number at the phone question. For now, please answer the question above.
        [command] I don't know that command. You can use /back, /skip, /summary, /language, /help, /status or /cancel.
       *[other] For now I can only read text and the buttons. Please answer the question above.
    }
stale-button = That button is no longer active.
use-buttons = Please use the buttons below.
submit-in-progress = We're sending your application, one moment please…
skip-required = This question is required and can't be skipped.
back-first = This is the first question; there is none before it.
help-commands =
    Commands you can use at any time:
    /back — go to the previous question
    /skip — skip an optional question
    /summary — see your answers so far
    /language — switch language (español / English)
    /cancel — cancel and delete your answers
    /restart — start over
    /forget — delete all your data in this chat
language-changed = Done, we'll continue in English.
confirm-yes-no = Please answer "yes" or "no".
confirm-cancel = Are you sure you want to cancel? All your answers will be deleted.
confirm-restart = Are you sure you want to start over? All your answers will be deleted.
confirm-expired = That date has passed: your DPI looks expired. Is the date correct?
cancel-aborted = All right, nothing was cancelled. Let's continue.
restart-aborted = All right, your answers are kept. Let's continue.
cancelled = Done: your registration was cancelled and your answers deleted. Type /start whenever you want to begin again.
restarted = Done, your answers were deleted. Let's start again.
reminder =
    { $left ->
        [0] Shall we carry on? You've answered every question: all that's left is to review your details and send them.
        [one] Shall we carry on? Just 1 step left to register your business with Migo.
       *[other] Shall we carry on? { $left } steps left to register your business with Migo.
    }
    Your answers are saved; tap "Continue" whenever you like.
btn-continue = ▶️ Continue
stuck = This question seems to be giving you trouble. You can ask for help, skip it if it's optional, or cancel with the buttons below; or simply try again.
progress = Step { $n } of { $total } · { $section }
progress-optional = Optional detail { $n } of { $total } · { $section }
answered = Answer: { $answer }

section-personal = Personal details
section-document = Identity document
section-contact = Contact
section-business = Your business
section-tax = Tax details
section-products = Migo products
section-location = Business location

summary = Please check your details before sending them. Is everything correct?
summary-so-far = Here is what you have answered so far:
summary-nothing-yet = You haven't answered any question yet.
edit-pick = Which answer would you like to change?

submit-sending = Sending your application to Migo… ⏳
submit-done =
    Done! 🎉 We received your application. Your invitation code is:
    { $code }
    Keep it: you'll need it to sign up in the Migo Wallet app. You can look your registration up at any time with /status { $code }
submit-rejected = Migo did not accept the application: { $messages }. Please check your details and try again.
submit-rejected-field = Migo did not accept "{ $field }": { $message }. Please enter it again.
submit-already-registered = There is already a registration with this DPI. If you have an invitation code, check it with /status CODE. If the DPI was mistyped, fix it with «Change an answer»; otherwise, please contact Migo support.
submit-unavailable = We couldn't reach Migo right now. Your answers are saved; tap "Retry" in a few minutes.
submit-not-created = Migo couldn't create the registration right now. Your answers are saved; tap "Retry" in a few minutes.

## Buttons

btn-yes = Yes
btn-no = No
btn-submit = ✅ Confirm and send
btn-retry = 🔄 Retry
btn-edit = ✏️ Change an answer
btn-cancel = ✖️ Cancel
btn-back-to-summary = ↩️ Back to the summary
btn-done = Done ✔️
btn-use = Use: { $value }
btn-help = ❓ Help
btn-skip = Skip ⏭
btn-back = ⬅️ Back
btn-share-phone = 📱 Share my number

## Questions, hints and field names

firstName-ask = What is your first name? Write it as it appears on your DPI.
firstName-hint = Type your first name or names, without surnames. Example: María José
field-firstName = First name
lastName-ask = What are your surnames?
lastName-hint = Type your surnames as they appear on your DPI. Example: López García
field-lastName = Surnames
gender-ask = What is your gender?
gender-hint = Tap an option or type "woman", "man" or "other".
field-gender = Gender
btn-gender-F = Woman
btn-gender-M = Man
btn-gender-OTHER = Other
dateOfBirth-ask = What is your date of birth? Write it as day/month/year, for example 07/03/1990.
dateOfBirth-hint = Type day, month and year: 07/03/1990 or "7 March 1990". You must be at least 18 years old.
field-dateOfBirth = Date of birth
maritalStatus-ask = What is your marital status?
maritalStatus-hint = Tap an option or type it, for example "single" or "married".
field-maritalStatus = Marital status
btn-maritalStatus-soltero = Single
btn-maritalStatus-casado = Married
btn-maritalStatus-viudo = Widowed
btn-maritalStatus-divorciado = Divorced
btn-maritalStatus-separado = Separated
nationality-ask = What is your nationality? Tap the button or type the country.
nationality-hint = Type the country's name, for example "Guatemala" or "El Salvador".
field-nationality = Nationality
cui-ask = Type your DPI number (CUI): it has 13 digits. Example: 1234 56789 0101
cui-hint = The CUI is the large 13-digit number on your DPI. You can type it with or without spaces: 1234 56789 0101
field-cui = DPI (CUI)
expirationDate-ask = When does your DPI expire? Write the date as day/month/year, for example 31/12/2030.
expirationDate-hint = The expiry date is on the front of your DPI. Example: 31/12/2030
field-expirationDate = DPI expiry date
country-ask = In which country is your business? Tap the button or type the country.
country-hint = Type the name of the country where your business operates, for example "Guatemala".
field-country = Country of the business
phone-ask = What is your phone number? Tap "Share my number" or type it, for example 5555 1234.
phone-ask-typed = What is your phone number? Type it, for example 5555 1234.
phone-hint = Type the 8 digits of your number, for example 5555 1234. For another country, start with + and the country code.
field-phone = Phone
phone-recheck = Since the country changed, we need to confirm your phone number again.
email-ask = What is your email address? Example: maria@example.com
email-hint = Type your full email address, with @ and the domain. Example: maria@example.com
field-email = Email
commercialName-ask = What is your business's trade name, the one your customers see?
commercialName-hint = It's the name people know your business by. Example: Tienda La Bendición
field-commercialName = Trade name
businessName-ask = What is the business's legal name? If it's the same as the trade name, tap the button.
businessName-hint = It's the name on your RTU. If you have no registered company, use your trade name.
field-businessName = Legal name
economicActivity-ask = What does your business do? Example: grocery store
economicActivity-hint = Describe in a few words what you sell or the service you offer. Example: beauty salon
field-economicActivity = Economic activity
address-ask = What is your business's address? Example: 5a. avenida 12-34, zona 1
address-hint = Type the street or avenue, number and zone. Example: 5a. avenida 12-34, zona 1, Guatemala City
field-address = Address
nit-ask = What is your business's NIT (tax number)? Example: 576937-K
nit-hint = The NIT is on your RTU and on your invoices. You can type it with or without the hyphen: 576937-K or 576937K
field-nit = NIT
taxRegime-ask = Which tax regime are you registered under with the SAT?
taxRegime-hint = You'll find it on your RTU certificate. If you're not sure, choose "Small taxpayer" or ask your accountant.
field-taxRegime = Tax regime
canInvoice-ask = Can your business issue invoices?
canInvoice-hint = Answer "yes" if you already issue invoices (for example FEL electronic invoices).
field-canInvoice = Issues invoices
lastRtuUpdateDate-ask = When did you last update your RTU? Example: 15/01/2025
lastRtuUpdateDate-hint = The date is on your RTU certificate. Write it as day/month/year: 15/01/2025
field-lastRtuUpdateDate = Last RTU update
paymentMethods-ask = Which payment methods would you like to accept in the wallet? Tap all you want, then "Done".
paymentMethods-hint = You can choose one or several. Tap an option to select or unselect it, then "Done".
field-paymentMethods = Payment methods
sdk-ask = Which Migo Wallet profile would you like to start with?
sdk-hint = The profile sets your wallet's experience and currency. If you're not sure, choose the first one.
field-sdk = Migo Wallet profile
optional-ask = Almost done! Would you like to add optional details (place of birth, business location, currencies)?
optional-hint = Optional details help Migo serve you better, but you can send your application without them.
field-optional = Optional details
countryOfBirth-ask = In which country were you born?
countryOfBirth-hint = Type the country's name, for example "Guatemala".
field-countryOfBirth = Country of birth
placeOfBirth-ask = In which town or city were you born?
placeOfBirth-hint = Example: Quetzaltenango
field-placeOfBirth = Place of birth
serialNumber-ask = If Migo asked you for a serial number, type it here. Otherwise tap "Skip".
serialNumber-hint = This is optional; if you don't know which one it is, tap "Skip".
field-serialNumber = Serial number
location-administrativeAreaLevel1-ask = In which department is your business?
location-administrativeAreaLevel1-hint = Tap the department or type its name, for example "Sacatepéquez".
field-location-administrativeAreaLevel1 = Department
location-administrativeAreaLevel2-ask = In which municipality is your business?
location-administrativeAreaLevel2-hint = Example: Antigua Guatemala
field-location-administrativeAreaLevel2 = Municipality
location-region-ask = In which region is your business?
location-region-hint = Example: Central Region. If you don't know, tap "Skip".
field-location-region = Region
neighborhood-ask = In which neighbourhood, colonia or village is your business?
neighborhood-hint = Example: Colonia El Carmen
field-neighborhood = Neighbourhood
rtuType-ask = What type of RTU registration do you have?
rtuType-hint = Example: individual. If you don't know, tap "Skip".
field-rtuType = RTU type
currencies-ask = Which currencies would you like to use? Tap all you want, then "Done".
currencies-hint = You can choose one or several currencies.
field-currencies = Currencies

## Invalid answers

name-invalid-empty = You didn't type anything.
name-invalid-too-long = That's too long: use at most { $max } characters.
name-invalid-too-short = That's too short: type at least { $min } letters.
name-invalid-digits = A name has no digits.
name-invalid-characters = Use only letters, spaces, apostrophes or hyphens.
gender-invalid-unknown = I didn't understand that answer.
dateOfBirth-invalid-format = I didn't recognise that date. Write it as day/month/year, for example 07/03/1990.
dateOfBirth-invalid-year = Write the year with 4 digits, for example 07/03/1990.
dateOfBirth-invalid-impossible = That date doesn't exist in the calendar.
dateOfBirth-invalid-too-young = You must be at least { $min } years old to register.
dateOfBirth-invalid-too-old = That date would make you over { $max }; please check it.
maritalStatus-invalid-unknown = I didn't understand that marital status.
country-invalid-unknown = I couldn't find that country. Check the spelling or tap one of the suggestions.
cui-invalid-format = The CUI has 13 digits and no letters. Example: 1234 56789 0101
cui-invalid-checksum = That is not a valid CUI: a digit doesn't match. Please check it on your DPI.
cui-invalid-department = The department digits (the 10th and 11th) don't match any department of Guatemala.
cui-invalid-municipality = The municipality digits (the last two) don't match a municipality of that department.
expirationDate-invalid-format = I didn't recognise that date. Write it as day/month/year, for example 31/12/2030.
expirationDate-invalid-year = Write the year with 4 digits, for example 31/12/2030.
expirationDate-invalid-impossible = That date doesn't exist in the calendar.
expirationDate-invalid-too-far = A DPI is valid for { $years } years at most; that date is too far ahead. Please check it.
phone-invalid-letters = A phone number has only digits: check for a letter (an O instead of a 0, say). Example: 5555 1234.
phone-invalid-format = I didn't recognise that number. Type the 8 digits, for example 5555 1234.
phone-invalid-invalid = That isn't a valid phone number in your business's country. Check the digits; for example 5555 1234.
phone-invalid-too-short = The number is missing digits.
phone-invalid-too-long = The number has too many digits.
phone-invalid-not-own = We can only use your own number. Tap "Share my number" or type it.
email-invalid-invalid = That email address doesn't look valid.
text-invalid-empty = I found no letters or digits in your answer. Please write it in words.
text-invalid-too-long = That's too long: use at most { $max } characters.
nit-invalid-format = A NIT has 2 to 12 characters: digits and, at the end, a digit or the letter K.
nit-invalid-checksum = That NIT is not valid: the check digit doesn't match. Please check it on your RTU.
nit-invalid-cf = "CF" (final consumer) is not a NIT. A business needs its own NIT.
nit-invalid-looks-like-cui = That looks like a DPI number (CUI), not a NIT.
taxRegime-invalid-choice = That option isn't on the list.
yesno-invalid-unknown = Please answer "yes" or "no".
lastRtuUpdateDate-invalid-format = I didn't recognise that date. Write it as day/month/year, for example 15/01/2025.
lastRtuUpdateDate-invalid-year = Write the year with 4 digits, for example 15/01/2025.
lastRtuUpdateDate-invalid-impossible = That date doesn't exist in the calendar.
lastRtuUpdateDate-invalid-future = That date hasn't come yet.
lastRtuUpdateDate-invalid-too-old = That date is before { NUMBER($year, useGrouping: 0) }; please check it.
paymentMethods-invalid-choice = That option isn't on the list.
paymentMethods-invalid-none = Choose at least one payment method.
sdk-invalid-choice = That option isn't on the list.
location-administrativeAreaLevel1-invalid-unknown = I couldn't find that department.
currencies-invalid-choice = That currency isn't on the list.
currencies-invalid-none = Choose at least one currency.

## Telegram

forgotten = Done: we deleted everything we held about you in this chat (answers, pending submissions and the link to your code). To start again, type /start.

edited-message = I saw you edited a message, but edited answers don't count. To change an answer, use /summary and then "Change an answer".
group-private-only = Registration happens in a private chat with me, to protect your data. Write to me directly; here I only answer /status CODE.
error-generic = Something went wrong on our side. Your answers are saved; please try again in a moment.
error-unavailable = The service is unavailable right now. Your answers are saved; please try again in a few minutes.
btn-copy-code = 📋 Copy code
cmd-start = Start or continue your registration
cmd-back = Go back to the previous question
cmd-skip = Skip an optional question
cmd-summary = See my answers
cmd-language = Cambiar idioma (español)
cmd-help = Help with the current question
cmd-cancel = Cancel and delete my answers
cmd-restart = Start over
cmd-forget = Delete all my data in this chat
cmd-status = Check an invitation code

## Code lookups

status-usage = To check a code, type /status followed by the code, for example: /status 25DC4D1
status-invalid-code = That doesn't look like an invitation code: it has 4 to 16 letters and digits, for example 25DC4D1.
status-not-found = We found no registration with the code { $code }. Please check it is typed correctly.
status-unavailable = We couldn't check the code right now. Please try again in a few minutes.
status-rate-limited = You've made many lookups in a row. Please wait a few minutes and try again.
status-header = Invitation code { $code }
status-offer = Your message seems to contain an invitation code ({ $code }). Would you like to check it?
btn-status = 🔎 Check { $code }
field-createdAt = Registration date
field-partner = Partner

## Funnel (support staff only)

funnel-title = 📊 Onboarding funnel
funnel-legend = Per step: reached → completed · share that did not finish it · invalid answers per completed answer · sessions that expired there.
funnel-row = { $position }. { $step }: { $reached } → { $completed } · { $dropoff } · { $invalid } · { $abandoned } expired
funnel-summary = Summary and submission
funnel-percent = { NUMBER($value, style: "percent", maximumFractionDigits: 1) }
funnel-ratio = { NUMBER($value, maximumFractionDigits: 2) }
funnel-none = –
funnel-empty = There are no conversations to count yet.
funnel-not-available = Sorry, that command is not available.
