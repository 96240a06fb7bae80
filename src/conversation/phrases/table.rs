//! The table: every line in every language the widget speaks. Each language is addressed the
//! way its widget catalogue addresses the shopper (`Sie` in German, `vous` in French, `tu` in
//! Italian, …), and its miss line quotes the catalogue's `talkToPerson` label word for word.
//! Where a line would have to agree with the agent's gender (a Polish past tense, an Italian
//! participle, a Romanian adjective), it is worded so that it reads right for anyone; Arabic
//! uses the masculine forms, as its catalogue does.

use super::Phrases;

/// Every language with its lines, by language code. English is listed too, so a shopper
/// served in English is not a fallback.
pub(super) const TABLE: &[(&str, &Phrases)] = &[
    ("en", &EN),
    ("de", &DE),
    ("fr", &FR),
    ("es", &ES),
    ("it", &IT),
    ("nl", &NL),
    ("pl", &PL),
    ("pt", &PT),
    ("ro", &RO),
    ("sv", &SV),
    ("ar", &AR),
];

/// English, and the lines for a language the table does not have.
pub(super) const EN: Phrases = Phrases {
    bot_miss: "I'm not sure about that one. Could you put it another way? \
               Or press \"Talk to a person\" and someone from the team will help.",
    asked_for_person: "You asked for a person; connecting you now.",
    bot_gives_up: "Let me get a person to help with that.",
    person_soon: "A person from our team will be with you shortly.",
    connecting: "Connecting you with a person.",
    order_review: "A person from our team will look at your order.",
    joined: "{agent} joined the conversation.",
    transferred: "{from} handed the conversation to {to}.",
    requeued_offline: "{agent} is no longer available; waiting for another person.",
    requeued_passed: "{agent} passed the conversation on; waiting for another person.",
    closed_by_agent: "{agent} closed the conversation.",
    closed_by_shopper: "You closed the conversation.",
    closed_inactive: "The conversation was closed after a period of inactivity.",
    reopened: "The conversation was reopened.",
    rated: "The shopper rated this chat {score}/5 {stars}",
    rated_with_comment: "The shopper rated this chat {score}/5 {stars}: “{comment}”",
    contact_thanks: "Thanks! We will reply to {email} as soon as someone is back.",
};

const DE: Phrases = Phrases {
    bot_miss: "Da bin ich mir nicht sicher. Können Sie es anders formulieren? \
               Oder klicken Sie auf „Mit einem Menschen sprechen“, dann hilft Ihnen jemand \
               aus dem Team.",
    asked_for_person: "Sie möchten mit einem Menschen sprechen – wir verbinden Sie jetzt.",
    bot_gives_up: "Dabei hilft Ihnen besser ein Mensch – ich hole jemanden dazu.",
    person_soon: "Gleich ist jemand aus unserem Team für Sie da.",
    connecting: "Wir verbinden Sie mit einem Menschen.",
    order_review: "Jemand aus unserem Team sieht sich Ihre Bestellung an.",
    joined: "{agent} ist dem Gespräch beigetreten.",
    transferred: "{from} hat das Gespräch an {to} übergeben.",
    requeued_offline: "{agent} ist nicht mehr erreichbar; wir suchen jemand anderen für Sie.",
    requeued_passed: "{agent} hat das Gespräch weitergegeben; wir suchen jemand anderen für Sie.",
    closed_by_agent: "{agent} hat das Gespräch beendet.",
    closed_by_shopper: "Sie haben das Gespräch beendet.",
    closed_inactive: "Das Gespräch wurde nach längerer Inaktivität beendet.",
    reopened: "Das Gespräch wurde wieder geöffnet.",
    rated: "Bewertung des Kunden für diesen Chat: {score}/5 {stars}",
    rated_with_comment: "Bewertung des Kunden für diesen Chat: {score}/5 {stars} – „{comment}“",
    contact_thanks: "Danke! Wir antworten an {email}, sobald wieder jemand da ist.",
};

const FR: Phrases = Phrases {
    bot_miss: "Je ne suis pas certain de pouvoir vous aider sur ce point. Pourriez-vous \
               reformuler ? Ou appuyez sur « Parler à une personne » et quelqu'un de l'équipe \
               vous aidera.",
    asked_for_person: "Vous avez demandé à parler à une personne ; nous vous mettons en relation.",
    bot_gives_up: "Je fais appel à une personne pour vous aider.",
    person_soon: "Une personne de notre équipe va vous répondre dans un instant.",
    connecting: "Nous vous mettons en relation avec une personne.",
    order_review: "Une personne de notre équipe va examiner votre commande.",
    joined: "{agent} a rejoint la conversation.",
    transferred: "{from} a transféré la conversation à {to}.",
    requeued_offline: "{agent} n'est plus disponible ; en attente d'une autre personne.",
    requeued_passed: "{agent} a passé la main ; en attente d'une autre personne.",
    closed_by_agent: "{agent} a clôturé la conversation.",
    closed_by_shopper: "Vous avez clôturé la conversation.",
    closed_inactive: "La conversation a été clôturée après une période d'inactivité.",
    reopened: "La conversation a été rouverte.",
    rated: "Le client a noté cette conversation {score}/5 {stars}",
    rated_with_comment: "Le client a noté cette conversation {score}/5 {stars} : « {comment} »",
    contact_thanks: "Merci ! Nous vous répondrons à {email} dès que quelqu'un sera de retour.",
};

const ES: Phrases = Phrases {
    bot_miss: "No estoy seguro de eso. ¿Puedes decirlo de otra manera? \
               O pulsa «Hablar con una persona» y alguien del equipo te ayudará.",
    asked_for_person: "Has pedido hablar con una persona; te estamos conectando.",
    bot_gives_up: "Voy a buscar a una persona para que te ayude con eso.",
    person_soon: "Una persona de nuestro equipo te atenderá en breve.",
    connecting: "Te estamos conectando con una persona.",
    order_review: "Una persona de nuestro equipo revisará tu pedido.",
    joined: "{agent} se ha unido a la conversación.",
    transferred: "{from} ha pasado la conversación a {to}.",
    requeued_offline: "{agent} ya no está disponible; esperando a otra persona.",
    requeued_passed: "{agent} ha cedido la conversación; esperando a otra persona.",
    closed_by_agent: "{agent} ha cerrado la conversación.",
    closed_by_shopper: "Has cerrado la conversación.",
    closed_inactive: "La conversación se cerró tras un periodo de inactividad.",
    reopened: "La conversación se ha reabierto.",
    rated: "El cliente ha valorado este chat con {score}/5 {stars}",
    rated_with_comment: "El cliente ha valorado este chat con {score}/5 {stars}: «{comment}»",
    contact_thanks: "¡Gracias! Te responderemos a {email} en cuanto alguien vuelva.",
};

const IT: Phrases = Phrases {
    bot_miss: "Non ne sono sicuro. Puoi dirlo in un altro modo? \
               Oppure premi «Parla con una persona» e qualcuno del team ti aiuterà.",
    asked_for_person: "Hai chiesto di parlare con una persona; ti stiamo mettendo in contatto.",
    bot_gives_up: "Chiamo una persona che ti aiuti con questo.",
    person_soon: "Una persona del nostro team sarà da te a breve.",
    connecting: "Ti stiamo mettendo in contatto con una persona.",
    order_review: "Una persona del nostro team controllerà il tuo ordine.",
    joined: "{agent} partecipa ora alla conversazione.",
    transferred: "{from} ha passato la conversazione a {to}.",
    requeued_offline: "{agent} non è più disponibile; in attesa di un'altra persona.",
    requeued_passed: "{agent} ha passato la conversazione; in attesa di un'altra persona.",
    closed_by_agent: "{agent} ha chiuso la conversazione.",
    closed_by_shopper: "Hai chiuso la conversazione.",
    closed_inactive: "La conversazione è stata chiusa per inattività.",
    reopened: "La conversazione è stata riaperta.",
    rated: "Il cliente ha valutato questa chat {score}/5 {stars}",
    rated_with_comment: "Il cliente ha valutato questa chat {score}/5 {stars}: «{comment}»",
    contact_thanks: "Grazie! Ti risponderemo a {email} appena qualcuno sarà di nuovo disponibile.",
};

const NL: Phrases = Phrases {
    bot_miss: "Daar weet ik het antwoord niet zeker op. Kun je het anders formuleren? \
               Of klik op ‘Met een medewerker praten’ en iemand van het team helpt je verder.",
    asked_for_person: "Je hebt om een medewerker gevraagd; we verbinden je nu door.",
    bot_gives_up: "Ik haal er een medewerker bij om je hiermee te helpen.",
    person_soon: "Iemand van ons team helpt je zo.",
    connecting: "We verbinden je door met een medewerker.",
    order_review: "Iemand van ons team bekijkt je bestelling.",
    joined: "{agent} neemt nu deel aan het gesprek.",
    transferred: "{from} heeft het gesprek overgedragen aan {to}.",
    requeued_offline: "{agent} is niet meer beschikbaar; we wachten op een andere medewerker.",
    requeued_passed: "{agent} heeft het gesprek doorgegeven; we wachten op een andere medewerker.",
    closed_by_agent: "{agent} heeft het gesprek afgesloten.",
    closed_by_shopper: "Je hebt het gesprek afgesloten.",
    closed_inactive: "Het gesprek is gesloten wegens inactiviteit.",
    reopened: "Het gesprek is heropend.",
    rated: "De klant gaf deze chat {score}/5 {stars}",
    rated_with_comment: "De klant gaf deze chat {score}/5 {stars}: ‘{comment}’",
    contact_thanks: "Bedankt! We antwoorden naar {email} zodra er weer iemand is.",
};

// Present tense for what an agent did ("dołącza", "kończy"): the past tense would have to
// know whether the agent is a man or a woman.
const PL: Phrases = Phrases {
    bot_miss: "Nie mam pewności, jak na to odpowiedzieć. Możesz to ująć inaczej? \
               Albo kliknij „Porozmawiaj z człowiekiem”, a ktoś z zespołu Ci pomoże.",
    asked_for_person: "Chcesz porozmawiać z człowiekiem – już łączymy.",
    bot_gives_up: "Poproszę kogoś z zespołu o pomoc w tej sprawie.",
    person_soon: "Ktoś z naszego zespołu zaraz się Tobą zajmie.",
    connecting: "Łączymy Cię z konsultantem.",
    order_review: "Ktoś z naszego zespołu sprawdzi Twoje zamówienie.",
    joined: "{agent} dołącza do rozmowy.",
    transferred: "{from} przekazuje rozmowę; teraz prowadzi ją {to}.",
    requeued_offline: "{agent} nie może już kontynuować rozmowy; czekamy na inną osobę.",
    requeued_passed: "{agent} przekazuje rozmowę dalej; czekamy na inną osobę.",
    closed_by_agent: "{agent} kończy rozmowę.",
    closed_by_shopper: "Ta rozmowa została przez Ciebie zakończona.",
    closed_inactive: "Rozmowa została zamknięta z powodu braku aktywności.",
    reopened: "Rozmowa została wznowiona.",
    rated: "Ocena klienta dla tej rozmowy: {score}/5 {stars}",
    rated_with_comment: "Ocena klienta dla tej rozmowy: {score}/5 {stars} – „{comment}”",
    contact_thanks: "Dziękujemy! Odpowiemy na {email}, gdy tylko ktoś wróci.",
};

const PT: Phrases = Phrases {
    bot_miss: "Não tenho a certeza sobre isso. Pode dizê-lo de outra forma? \
               Ou clique em «Falar com uma pessoa» e alguém da equipa irá ajudar.",
    asked_for_person: "Pediu para falar com uma pessoa; estamos a fazer a ligação.",
    bot_gives_up: "Vou chamar uma pessoa para ajudar com isso.",
    person_soon: "Alguém da nossa equipa irá falar consigo em breve.",
    connecting: "A fazer a ligação com uma pessoa.",
    order_review: "Alguém da nossa equipa irá ver a sua encomenda.",
    joined: "{agent} juntou-se à conversa.",
    transferred: "{from} passou a conversa para {to}.",
    requeued_offline: "{agent} já não está disponível; à espera de outra pessoa.",
    requeued_passed: "{agent} passou a conversa; à espera de outra pessoa.",
    closed_by_agent: "{agent} encerrou a conversa.",
    closed_by_shopper: "Encerrou a conversa.",
    closed_inactive: "A conversa foi encerrada após um período de inatividade.",
    reopened: "A conversa foi reaberta.",
    rated: "O cliente avaliou este chat com {score}/5 {stars}",
    rated_with_comment: "O cliente avaliou este chat com {score}/5 {stars}: «{comment}»",
    contact_thanks: "Obrigado! Responderemos para {email} assim que alguém estiver de volta.",
};

const RO: Phrases = Phrases {
    bot_miss: "Nu sunt sigur că știu răspunsul. Poți reformula? \
               Sau apasă „Vorbește cu o persoană” și cineva din echipă te va ajuta.",
    asked_for_person: "Ai cerut să vorbești cu o persoană; te conectăm acum.",
    bot_gives_up: "Chem o persoană care să te ajute cu asta.",
    person_soon: "Cineva din echipa noastră îți va răspunde în curând.",
    connecting: "Te conectăm cu o persoană.",
    order_review: "Cineva din echipa noastră se va uita la comanda ta.",
    joined: "{agent} s-a alăturat conversației.",
    transferred: "{from} a transferat conversația către {to}.",
    requeued_offline: "{agent} nu mai poate continua conversația; așteptăm o altă persoană.",
    requeued_passed: "{agent} a predat conversația; așteptăm o altă persoană.",
    closed_by_agent: "{agent} a închis conversația.",
    closed_by_shopper: "Ai închis conversația.",
    closed_inactive: "Conversația a fost închisă după o perioadă de inactivitate.",
    reopened: "Conversația a fost redeschisă.",
    rated: "Clientul a evaluat acest chat cu {score}/5 {stars}",
    rated_with_comment: "Clientul a evaluat acest chat cu {score}/5 {stars}: „{comment}”",
    contact_thanks: "Mulțumim! Îți răspundem la {email} imediat ce revine cineva.",
};

const SV: Phrases = Phrases {
    bot_miss: "Det är jag inte säker på. Kan du formulera det på ett annat sätt? \
               Eller tryck på ”Prata med en person” så hjälper någon i teamet dig.",
    asked_for_person: "Du bad att få prata med en person; vi kopplar dig nu.",
    bot_gives_up: "Jag hämtar en person som kan hjälpa dig med det.",
    person_soon: "Någon i vårt team hjälper dig strax.",
    connecting: "Vi kopplar dig till en person.",
    order_review: "Någon i vårt team tittar på din beställning.",
    joined: "{agent} har anslutit till samtalet.",
    transferred: "{from} lämnade över samtalet till {to}.",
    requeued_offline: "{agent} är inte längre tillgänglig; väntar på en annan person.",
    requeued_passed: "{agent} lämnade över samtalet; väntar på en annan person.",
    closed_by_agent: "{agent} avslutade samtalet.",
    closed_by_shopper: "Du avslutade samtalet.",
    closed_inactive: "Samtalet avslutades efter en tid utan aktivitet.",
    reopened: "Samtalet öppnades igen.",
    rated: "Kunden gav den här chatten {score}/5 {stars}",
    rated_with_comment: "Kunden gav den här chatten {score}/5 {stars}: ”{comment}”",
    contact_thanks: "Tack! Vi svarar till {email} så snart någon är tillbaka.",
};

// Right to left: the widget sets `dir="rtl"`; a name or address in Latin letters sits in
// the line as its own left-to-right run.
const AR: Phrases = Phrases {
    bot_miss: "لست متأكدًا من ذلك. هل يمكنك صياغة سؤالك بطريقة أخرى؟ \
               أو اضغط على «التحدث مع شخص» وسيساعدك أحد أعضاء الفريق.",
    asked_for_person: "طلبت التحدث مع شخص؛ جارٍ توصيلك الآن.",
    bot_gives_up: "دعني أستدعي شخصًا ليساعدك في ذلك.",
    person_soon: "سيكون أحد أعضاء فريقنا معك قريبًا.",
    connecting: "جارٍ توصيلك بشخص.",
    order_review: "سيطّلع أحد أعضاء فريقنا على طلبك.",
    joined: "انضم {agent} إلى المحادثة.",
    transferred: "حوّل {from} المحادثة إلى {to}.",
    requeued_offline: "لم يعد {agent} متاحًا؛ في انتظار شخص آخر.",
    requeued_passed: "أحال {agent} المحادثة؛ في انتظار شخص آخر.",
    closed_by_agent: "أغلق {agent} المحادثة.",
    closed_by_shopper: "لقد أغلقت المحادثة.",
    closed_inactive: "أُغلقت المحادثة بعد فترة من عدم النشاط.",
    reopened: "أُعيد فتح المحادثة.",
    rated: "قيّم العميل هذه المحادثة بـ {score}/5 {stars}",
    rated_with_comment: "قيّم العميل هذه المحادثة بـ {score}/5 {stars}: «{comment}»",
    contact_thanks: "شكرًا! سنرد عليك على {email} فور عودة أحد أعضاء الفريق.",
};
