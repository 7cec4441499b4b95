## Migo onboarding bot — español (Guatemala). Tratamos al cliente de «usted».

## Conversación

welcome =
    ¡Hola! 👋 Soy el asistente de Migo. Le ayudo a registrar su negocio para usar los productos Migo:
    • Tarjetas físicas para su negocio
    • La app Migo Wallet
    • Pagos alternativos dentro de la billetera (QR y tarjetas)
    Son unas {$total} preguntas y le tomará unos 5 minutos. Tenga a mano su DPI y su NIT.
    Puede escribir /back para volver a la pregunta anterior, /help para pedir ayuda, /language for English o /cancel para cancelar.
welcome-back = ¡Qué gusto verle de nuevo! Sigamos donde nos quedamos.
session-expired = Su conversación anterior venció por inactividad y por seguridad borramos sus respuestas. Empecemos de nuevo.
session-outdated = Actualizamos el asistente y no pudimos recuperar su conversación anterior. Disculpe la molestia: empecemos de nuevo.
done-already = Su registro ya está completo. Su código de invitación es { $code }. Puede consultarlo con /status { $code }.
unsupported = { $kind ->
        [forward] Los mensajes reenviados no cuentan como respuesta. Por favor escriba su respuesta a la pregunta de arriba.
        [contact] Su número lo pediremos en la pregunta del teléfono. Por ahora responda la pregunta de arriba.
        [command] No conozco ese comando. Puede usar /back, /skip, /summary, /language, /help, /status o /cancel.
       *[other] Por ahora solo puedo leer texto y los botones. Por favor responda la pregunta de arriba.
    }
stale-button = Ese botón ya no está activo.
use-buttons = Por favor use los botones de abajo.
submit-in-progress = Estamos enviando su solicitud, un momento por favor…
skip-required = Esta pregunta es obligatoria, no se puede omitir.
back-first = Esta es la primera pregunta; no hay una anterior.
help-commands =
    Comandos que puede usar en cualquier momento:
    /back — volver a la pregunta anterior
    /skip — omitir una pregunta opcional
    /summary — ver lo que lleva hasta ahora
    /language — cambiar de idioma (español / English)
    /cancel — cancelar y borrar sus respuestas
    /restart — empezar de nuevo
    /forget — borrar todos sus datos de este chat
language-changed = Listo, seguimos en español.
confirm-yes-no = Por favor responda «sí» o «no».
confirm-cancel = ¿Seguro que quiere cancelar? Se borrarán todas sus respuestas.
confirm-restart = ¿Seguro que quiere empezar de nuevo? Se borrarán todas sus respuestas.
confirm-expired = Esa fecha ya pasó: su DPI parece vencido. ¿Es correcta la fecha?
cancel-aborted = Muy bien, no se canceló nada. Seguimos.
restart-aborted = Muy bien, conservamos sus respuestas. Seguimos.
cancelled = Listo, cancelamos el registro y borramos sus respuestas. Cuando quiera empezar de nuevo, escriba /start.
restarted = Listo, borramos sus respuestas. Empecemos de nuevo.
reminder =
    { $left ->
        [0] ¿Seguimos? Ya respondió todas las preguntas: solo falta revisar sus datos y enviarlos.
        [one] ¿Seguimos? Le falta solo 1 paso para registrar su negocio en Migo.
       *[other] ¿Seguimos? Le faltan { $left } pasos para registrar su negocio en Migo.
    }
    Sus respuestas están guardadas; toque «Continuar» cuando guste.
btn-continue = ▶️ Continuar
stuck = Parece que esta pregunta está dando problemas. Puede pedir ayuda, omitirla si es opcional o cancelar con los botones de abajo; o intentarlo otra vez.
progress = Paso { $n } de { $total } · { $section }
progress-optional = Dato opcional { $n } de { $total } · { $section }
answered = Respuesta: { $answer }

section-personal = Datos personales
section-document = Documento de identidad
section-contact = Contacto
section-business = Su negocio
section-tax = Datos tributarios
section-products = Productos Migo
section-location = Ubicación del negocio

summary = Revise sus datos antes de enviarlos. ¿Todo está correcto?
summary-so-far = Esto es lo que lleva hasta ahora:
summary-nothing-yet = Todavía no ha respondido ninguna pregunta.
edit-pick = ¿Qué dato quiere corregir?

submit-sending = Enviando su solicitud a Migo… ⏳
submit-done =
    ¡Listo! 🎉 Recibimos su solicitud. Su código de invitación es:
    { $code }
    Guárdelo: lo necesitará para registrarse en la app Migo Wallet. Puede consultar su registro cuando quiera con /status { $code }
submit-rejected = Migo no aceptó la solicitud: { $messages }. Revise sus datos y vuelva a intentarlo.
submit-rejected-field = Migo no aceptó el dato «{ $field }»: { $message }. Por favor escríbalo de nuevo.
submit-already-registered = Ya existe un registro con ese DPI. Si ya tiene un código de invitación, consúltelo con /status CÓDIGO. Si el DPI quedó mal escrito, corríjalo con «Corregir un dato»; si no, comuníquese con soporte de Migo.
submit-unavailable = No pudimos comunicarnos con Migo en este momento. Sus respuestas están guardadas; toque «Reintentar» en unos minutos.
submit-not-created = Migo no pudo crear el registro en este momento. Sus respuestas están guardadas; toque «Reintentar» en unos minutos.

## Botones

btn-yes = Sí
btn-no = No
btn-submit = ✅ Confirmar y enviar
btn-retry = 🔄 Reintentar
btn-edit = ✏️ Corregir un dato
btn-cancel = ✖️ Cancelar
btn-back-to-summary = ↩️ Volver al resumen
btn-done = Listo ✔️
btn-use = Usar: { $value }
btn-help = ❓ Ayuda
btn-skip = Omitir ⏭
btn-back = ⬅️ Atrás
btn-share-phone = 📱 Compartir mi número

## Preguntas, ayudas y nombres de los campos

firstName-ask = ¿Cuál es su nombre? Escríbalo como aparece en su DPI.
firstName-hint = Escriba su nombre o nombres, sin apellidos. Ejemplo: María José
field-firstName = Nombre
lastName-ask = ¿Cuáles son sus apellidos?
lastName-hint = Escriba sus apellidos como aparecen en su DPI. Ejemplo: López García
field-lastName = Apellidos
gender-ask = ¿Cuál es su género?
gender-hint = Toque una opción o escriba «mujer», «hombre» u «otro».
field-gender = Género
btn-gender-F = Mujer
btn-gender-M = Hombre
btn-gender-OTHER = Otro
dateOfBirth-ask = ¿Cuál es su fecha de nacimiento? Escríbala como día/mes/año, por ejemplo 07/03/1990.
dateOfBirth-hint = Escriba día, mes y año: 07/03/1990 o «7 de marzo de 1990». Debe ser mayor de 18 años.
field-dateOfBirth = Fecha de nacimiento
maritalStatus-ask = ¿Cuál es su estado civil?
maritalStatus-hint = Toque una opción o escríbala, por ejemplo «soltera» o «casado».
field-maritalStatus = Estado civil
btn-maritalStatus-soltero = Soltero(a)
btn-maritalStatus-casado = Casado(a)
btn-maritalStatus-viudo = Viudo(a)
btn-maritalStatus-divorciado = Divorciado(a)
btn-maritalStatus-separado = Separado(a)
nationality-ask = ¿Cuál es su nacionalidad? Toque el botón o escriba el país.
nationality-hint = Escriba el nombre del país, por ejemplo «Guatemala» o «El Salvador».
field-nationality = Nacionalidad
cui-ask = Escriba el número de su DPI (CUI): son 13 dígitos. Ejemplo: 1234 56789 0101
cui-hint = El CUI es el número grande de su DPI, de 13 dígitos. Puede escribirlo con o sin espacios: 1234 56789 0101
field-cui = DPI (CUI)
expirationDate-ask = ¿Cuándo vence su DPI? Escriba la fecha como día/mes/año, por ejemplo 31/12/2030.
expirationDate-hint = La fecha de vencimiento aparece al frente de su DPI. Ejemplo: 31/12/2030
field-expirationDate = Vencimiento del DPI
country-ask = ¿En qué país está su negocio? Toque el botón o escriba el país.
country-hint = Escriba el nombre del país donde opera su negocio, por ejemplo «Guatemala».
field-country = País del negocio
phone-ask = ¿Cuál es su número de teléfono? Toque «Compartir mi número» o escríbalo, por ejemplo 5555 1234.
phone-ask-typed = ¿Cuál es su número de teléfono? Escríbalo, por ejemplo 5555 1234.
phone-hint = Escriba los 8 dígitos de su número, por ejemplo 5555 1234. Si es de otro país, empiece con + y el código del país.
field-phone = Teléfono
phone-recheck = Como cambió el país, necesitamos confirmar de nuevo su número de teléfono.
email-ask = ¿Cuál es su correo electrónico? Ejemplo: maria@ejemplo.com
email-hint = Escriba su correo completo, con @ y el dominio. Ejemplo: maria@ejemplo.com
field-email = Correo electrónico
commercialName-ask = ¿Cuál es el nombre comercial de su negocio, el que ven sus clientes?
commercialName-hint = Es el nombre con el que la gente conoce su negocio. Ejemplo: Tienda La Bendición
field-commercialName = Nombre comercial
businessName-ask = ¿Cuál es la razón social (el nombre legal) del negocio? Si es igual al nombre comercial, toque el botón.
businessName-hint = Es el nombre que aparece en su RTU. Si no tiene una empresa inscrita, use su nombre comercial.
field-businessName = Razón social
economicActivity-ask = ¿A qué se dedica su negocio? Ejemplo: venta de abarrotes
economicActivity-hint = Describa en pocas palabras lo que vende o el servicio que ofrece. Ejemplo: salón de belleza
field-economicActivity = Actividad económica
address-ask = ¿Cuál es la dirección de su negocio? Ejemplo: 5a. avenida 12-34, zona 1
address-hint = Escriba calle o avenida, número y zona. Ejemplo: 5a. avenida 12-34, zona 1, Ciudad de Guatemala
field-address = Dirección
nit-ask = ¿Cuál es el NIT de su negocio? Ejemplo: 576937-K
nit-hint = El NIT aparece en su RTU y en sus facturas. Puede escribirlo con o sin guion: 576937-K o 576937K
field-nit = NIT
taxRegime-ask = ¿En qué régimen tributario está inscrito ante la SAT?
taxRegime-hint = Lo encuentra en su constancia del RTU. Si no está seguro, elija «Pequeño contribuyente» o consulte a su contador.
field-taxRegime = Régimen tributario
canInvoice-ask = ¿Su negocio puede emitir facturas?
canInvoice-hint = Responda «sí» si ya emite facturas (por ejemplo, facturas electrónicas FEL).
field-canInvoice = Emite facturas
lastRtuUpdateDate-ask = ¿Cuándo actualizó su RTU por última vez? Ejemplo: 15/01/2025
lastRtuUpdateDate-hint = La fecha aparece en su constancia del RTU. Escríbala como día/mes/año: 15/01/2025
field-lastRtuUpdateDate = Última actualización del RTU
paymentMethods-ask = ¿Qué formas de pago quiere recibir en la billetera? Toque todas las que quiera y luego «Listo».
paymentMethods-hint = Puede elegir una o varias. Toque una opción para marcarla o desmarcarla y luego «Listo».
field-paymentMethods = Formas de pago
sdk-ask = ¿Con qué perfil de Migo Wallet quiere empezar?
sdk-hint = El perfil define la experiencia y la moneda de su billetera. Si no está seguro, elija el primero.
field-sdk = Perfil de Migo Wallet
optional-ask = ¡Ya casi terminamos! ¿Desea agregar datos opcionales (lugar de nacimiento, ubicación del negocio, monedas)?
optional-hint = Los datos opcionales ayudan a Migo a atenderle mejor, pero puede enviar su solicitud sin ellos.
field-optional = Datos opcionales
countryOfBirth-ask = ¿En qué país nació?
countryOfBirth-hint = Escriba el nombre del país, por ejemplo «Guatemala».
field-countryOfBirth = País de nacimiento
placeOfBirth-ask = ¿En qué municipio o ciudad nació?
placeOfBirth-hint = Ejemplo: Quetzaltenango
field-placeOfBirth = Lugar de nacimiento
serialNumber-ask = Si tiene un número de serie que Migo le haya pedido, escríbalo aquí. Si no, toque «Omitir».
serialNumber-hint = Es un dato opcional; si no sabe cuál es, toque «Omitir».
field-serialNumber = Número de serie
location-administrativeAreaLevel1-ask = ¿En qué departamento está su negocio?
location-administrativeAreaLevel1-hint = Toque el departamento o escriba su nombre, por ejemplo «Sacatepéquez».
field-location-administrativeAreaLevel1 = Departamento
location-administrativeAreaLevel2-ask = ¿En qué municipio está su negocio?
location-administrativeAreaLevel2-hint = Ejemplo: Antigua Guatemala
field-location-administrativeAreaLevel2 = Municipio
location-region-ask = ¿En qué región está su negocio?
location-region-hint = Ejemplo: Región Central. Si no la sabe, toque «Omitir».
field-location-region = Región
neighborhood-ask = ¿En qué colonia, barrio o aldea está su negocio?
neighborhood-hint = Ejemplo: Colonia El Carmen
field-neighborhood = Colonia o barrio
rtuType-ask = ¿Qué tipo de inscripción tiene en el RTU?
rtuType-hint = Ejemplo: persona individual. Si no lo sabe, toque «Omitir».
field-rtuType = Tipo de RTU
currencies-ask = ¿En qué monedas quiere operar? Toque las que quiera y luego «Listo».
currencies-hint = Puede elegir una o varias monedas.
field-currencies = Monedas

## Respuestas no válidas

name-invalid-empty = No escribió nada.
name-invalid-too-long = Es demasiado largo: use como máximo { $max } caracteres.
name-invalid-too-short = Es demasiado corto: escriba al menos { $min } letras.
name-invalid-digits = Un nombre no lleva números.
name-invalid-characters = Use solo letras, espacios, apóstrofos o guiones.
gender-invalid-unknown = No entendí esa respuesta.
dateOfBirth-invalid-format = No reconocí esa fecha. Escríbala como día/mes/año, por ejemplo 07/03/1990.
dateOfBirth-invalid-year = Escriba el año con 4 dígitos, por ejemplo 07/03/1990.
dateOfBirth-invalid-impossible = Esa fecha no existe en el calendario.
dateOfBirth-invalid-too-young = Debe tener al menos { $min } años para registrarse.
dateOfBirth-invalid-too-old = Según esa fecha tendría más de { $max } años; revísela por favor.
maritalStatus-invalid-unknown = No entendí ese estado civil.
country-invalid-unknown = No encontré ese país. Revise cómo lo escribió o toque una de las sugerencias.
cui-invalid-format = El CUI tiene 13 dígitos, sin letras. Ejemplo: 1234 56789 0101
cui-invalid-checksum = Ese número no es un CUI válido: algún dígito no coincide. Revíselo en su DPI.
cui-invalid-department = Los dígitos del departamento (el 10.º y el 11.º) no corresponden a ningún departamento de Guatemala.
cui-invalid-municipality = Los dígitos del municipio (los dos últimos) no corresponden a un municipio de ese departamento.
expirationDate-invalid-format = No reconocí esa fecha. Escríbala como día/mes/año, por ejemplo 31/12/2030.
expirationDate-invalid-year = Escriba el año con 4 dígitos, por ejemplo 31/12/2030.
expirationDate-invalid-impossible = Esa fecha no existe en el calendario.
expirationDate-invalid-too-far = El DPI vale { $years } años como máximo; esa fecha está demasiado lejos. Revísela por favor.
phone-invalid-letters = El número lleva solo dígitos: revise si escribió una letra (por ejemplo una O en lugar de un 0). Ejemplo: 5555 1234.
phone-invalid-format = No reconocí ese número. Escriba los 8 dígitos, por ejemplo 5555 1234.
phone-invalid-invalid = Ese número no es un teléfono válido del país de su negocio. Revise los dígitos; por ejemplo 5555 1234.
phone-invalid-too-short = Al número le faltan dígitos.
phone-invalid-too-long = El número tiene dígitos de más.
phone-invalid-not-own = Solo podemos usar su propio número. Toque «Compartir mi número» o escríbalo.
email-invalid-invalid = Ese correo no parece válido.
text-invalid-empty = No encontré letras ni números en su respuesta. Escríbala con palabras, por favor.
text-invalid-too-long = Es demasiado largo: use como máximo { $max } caracteres.
nit-invalid-format = Un NIT tiene de 2 a 12 caracteres: números y, al final, un número o la letra K.
nit-invalid-checksum = Ese NIT no es válido: el dígito verificador no coincide. Revíselo en su RTU.
nit-invalid-cf = «CF» (consumidor final) no es un NIT. Un negocio necesita su propio NIT.
nit-invalid-looks-like-cui = Eso parece un número de DPI (CUI), no un NIT.
taxRegime-invalid-choice = Esa opción no está en la lista.
yesno-invalid-unknown = Por favor responda «sí» o «no».
lastRtuUpdateDate-invalid-format = No reconocí esa fecha. Escríbala como día/mes/año, por ejemplo 15/01/2025.
lastRtuUpdateDate-invalid-year = Escriba el año con 4 dígitos, por ejemplo 15/01/2025.
lastRtuUpdateDate-invalid-impossible = Esa fecha no existe en el calendario.
lastRtuUpdateDate-invalid-future = Esa fecha todavía no ha llegado.
lastRtuUpdateDate-invalid-too-old = Esa fecha es anterior a { NUMBER($year, useGrouping: 0) }; revísela por favor.
paymentMethods-invalid-choice = Esa opción no está en la lista.
paymentMethods-invalid-none = Elija al menos una forma de pago.
sdk-invalid-choice = Esa opción no está en la lista.
location-administrativeAreaLevel1-invalid-unknown = No encontré ese departamento.
currencies-invalid-choice = Esa moneda no está en la lista.
currencies-invalid-none = Elija al menos una moneda.

## Telegram

forgotten = Listo: borramos todo lo que teníamos sobre usted en este chat (respuestas, envíos pendientes y el vínculo con su código). Si quiere empezar de nuevo, escriba /start.

edited-message = Vi que editó un mensaje, pero las respuestas editadas no cuentan. Para cambiar una respuesta use /summary y luego «Corregir un dato».
group-private-only = El registro se hace en un chat privado conmigo, para proteger sus datos. Escríbame directamente; aquí solo respondo /status CÓDIGO.
error-generic = Tuvimos un problema de nuestro lado. Sus respuestas están guardadas; intente de nuevo en un momento.
error-unavailable = El servicio no está disponible en este momento. Sus respuestas están guardadas; intente de nuevo en unos minutos.
btn-copy-code = 📋 Copiar código
cmd-start = Empezar o continuar el registro
cmd-back = Volver a la pregunta anterior
cmd-skip = Omitir una pregunta opcional
cmd-summary = Ver mis respuestas
cmd-language = Cambiar de idioma (English)
cmd-help = Ayuda con la pregunta actual
cmd-cancel = Cancelar y borrar mis respuestas
cmd-restart = Empezar de nuevo
cmd-forget = Borrar todos mis datos de este chat
cmd-status = Consultar un código de invitación

## Consulta de códigos

status-usage = Para consultar un código escriba /status seguido del código, por ejemplo: /status 25DC4D1
status-invalid-code = Eso no parece un código de invitación: tiene de 4 a 16 letras y números, por ejemplo 25DC4D1.
status-not-found = No encontramos ningún registro con el código { $code }. Revise que esté bien escrito.
status-unavailable = No pudimos consultar el código en este momento. Intente de nuevo en unos minutos.
status-rate-limited = Ha hecho muchas consultas seguidas. Espere unos minutos y vuelva a intentarlo.
status-header = Código de invitación { $code }
status-offer = Su mensaje parece tener un código de invitación ({ $code }). ¿Quiere consultarlo?
btn-status = 🔎 Consultar { $code }
field-createdAt = Fecha de registro
field-partner = Socio

## Embudo (solo personal de soporte)

funnel-title = 📊 Embudo de registro
funnel-legend = Por paso: llegaron → completaron · se quedaron sin terminar · respuestas no válidas por respuesta completada · sesiones vencidas en ese paso.
funnel-row = { $position }. { $step }: { $reached } → { $completed } · { $dropoff } · { $invalid } · { $abandoned } vencidas
funnel-summary = Resumen y envío
funnel-percent = { NUMBER($value, style: "percent", maximumFractionDigits: 1) }
funnel-ratio = { NUMBER($value, maximumFractionDigits: 2) }
funnel-none = –
funnel-empty = Todavía no hay conversaciones que contar.
funnel-not-available = Lo sentimos, ese comando no está disponible.
