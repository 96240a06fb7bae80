//! Does the shopper ask for a person? Words and phrases in the languages shops use most,
//! matched on whole words, case-insensitively.
//!
//! A word such as *person*, *human* or *agent* alone is not a request: shoppers ask about
//! "a two person tent" or "mens jackets". A person-word counts only in a request: after a verb
//! such as *talk to*, *want*, *need* (with nothing but articles and small words between), when
//! the message is little more than the word ("agent please"), or when it asks whether one is
//! available. A few phrases ("real person") are requests on their own.

/// Phrases that ask for a person wherever they stand.
const REQUESTS: &[&str] = &[
    "real person",
    "real human",
    "someone real",
    "actual person",
    "actual human",
    "echte person",
    "echten menschen",
    "vraie personne",
    "persona real",
    "persona reale",
    "echte persoon",
    "echt persoon",
];

/// Words and phrases that name a person to talk to, per language: a request only in context.
const PEOPLE: &[(&str, &[&str])] = &[
    (
        "en",
        &[
            "human",
            "agent",
            "person",
            "someone",
            "somebody",
            "representative",
            "rep",
            "operator",
            "staff",
            "customer service",
            "customer support",
            "support team",
            "live chat",
            "live agent",
        ],
    ),
    (
        "de",
        &[
            "mensch",
            "menschen",
            "mitarbeiter",
            "mitarbeiterin",
            "berater",
            "beraterin",
            "jemandem",
            "kundenservice",
            "kundendienst",
        ],
    ),
    (
        "fr",
        &[
            "humain",
            "conseiller",
            "conseillère",
            "personne",
            "quelqu'un",
            "service client",
        ],
    ),
    (
        "es",
        &[
            "humano",
            "agente",
            "persona",
            "alguien",
            "asesor",
            "atención al cliente",
        ],
    ),
    (
        "it",
        &[
            "umano",
            "operatore",
            "persona",
            "qualcuno",
            "assistenza clienti",
        ],
    ),
    (
        "nl",
        &["mens", "medewerker", "iemand", "persoon", "klantenservice"],
    ),
];

/// Verbs and wishes that turn a following person-word into a request.
const CUES: &[&str] = &[
    // en
    "talk",
    "speak",
    "chat",
    "connect",
    "transfer",
    "want",
    "need",
    "get",
    "reach",
    "contact",
    "like",
    "prefer",
    "ask",
    "give",
    "put", // de
    "sprechen",
    "reden",
    "möchte",
    "will",
    "brauche",
    "verbinden",
    "hätte", // fr
    "parler",
    "veux",
    "voudrais",
    "besoin",
    "joindre", // es
    "hablar",
    "quiero",
    "necesito",
    "quisiera",
    "pasar",
    "comunicar", // it
    "parlare",
    "voglio",
    "vorrei",
    "bisogno",
    "passare", // nl
    "spreken",
    "praten",
    "wil",
    "graag",
    "verbind",
];

/// Small words that may stand between a cue and the person-word, or around a person-word in
/// a message that is nothing but the request ("a human please").
const FILLERS: &[&str] = &[
    // en
    "to",
    "with",
    "a",
    "an",
    "the",
    "me",
    "i",
    "real",
    "live",
    "actual",
    "your",
    "one",
    "of",
    "please",
    "pls",
    "plz",
    "now",
    "just",
    "some",
    "right",
    "away",
    "hi",
    "hello",
    "hey",
    "ok",
    "can",
    "could",
    "may",
    "you",
    "talk",
    "speak",
    "chat", // de
    "mit",
    "ein",
    "eine",
    "einem",
    "einer",
    "einen",
    "echten",
    "bitte",
    "sofort",
    "ich",
    "jetzt",
    "gerne",
    "zu",
    "dem",
    "der", // fr
    "à",
    "a",
    "un",
    "une",
    "avec",
    "au",
    "le",
    "la",
    "l",
    "vrai",
    "je",
    "svp",
    "s",
    "il",
    "vous",
    "plaît",
    "parler",
    "d",
    "de", // es
    "con",
    "uno",
    "una",
    "el",
    "por",
    "favor",
    "hablar",
    "quiero",
    "yo", // it
    "per",
    "favore",
    "parlare",
    "di",
    "lo",
    "voglio", // nl
    "een",
    "met",
    "echte",
    "de",
    "het",
    "ik",
    "alstublieft",
    "aub",
    "spreken",
    "praten",
];

/// Words that may follow a person-word in a request ("a person about my order", "mit einem
/// Mitarbeiter sprechen"); anything else makes the person-word part of a product name.
const FOLLOWERS: &[&str] = &[
    "please",
    "pls",
    "plz",
    "now",
    "asap",
    "about",
    "regarding",
    "for",
    "to",
    "who",
    "that",
    "instead",
    "right",
    "here",
    "on",
    "bitte",
    "sprechen",
    "reden",
    "sofort",
    "svp",
    "s",
    "parler",
    "por",
    "hablar",
    "per",
    "parlare",
    "spreken",
    "praten",
    "graag",
    "alstublieft",
];

/// Words after a person-word that make a question a request ("is an agent available?").
const AVAILABLE: &[&str] = &[
    "available",
    "online",
    "there",
    "verfügbar",
    "disponible",
    "disponibile",
    "beschikbaar",
];

/// At most this many words in a message that is only a person-word with polite fillers.
const SHORT_REQUEST_WORDS: usize = 4;

/// Lower-cased clauses (split on sentence punctuation), each as its words.
fn clauses(text: &str) -> Vec<Vec<String>> {
    text.to_lowercase()
        .split(['.', ',', '!', '?', ';', ':', '¿', '¡', '\n'])
        .map(|clause| {
            clause
                .split(|c: char| !(c.is_alphanumeric() || c == '\''))
                .flat_map(|w| {
                    // "l'agent", "quelqu'un": keep the known word whole, else split the elision.
                    if PEOPLE.iter().any(|(_, ws)| ws.contains(&w)) {
                        vec![w.to_owned()]
                    } else {
                        w.split('\'').map(str::to_owned).collect()
                    }
                })
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
        })
        .filter(|c| !c.is_empty())
        .collect()
}

/// Whether `words[at..]` starts with `phrase` (words separated by single spaces).
fn starts_with(words: &[String], at: usize, phrase: &str) -> Option<usize> {
    let wanted: Vec<&str> = phrase.split(' ').collect();
    let end = at + wanted.len();
    (end <= words.len() && words[at..end].iter().zip(&wanted).all(|(a, b)| a == b))
        .then_some(wanted.len())
}

fn small(word: &str) -> bool {
    FILLERS.contains(&word) || FOLLOWERS.contains(&word)
}

fn cue(word: &str) -> bool {
    CUES.contains(&word)
}

/// Whether `text` asks for a person, in any of the known languages.
pub fn asks_for_person(text: &str) -> bool {
    let clauses = clauses(text);
    let total: usize = clauses.iter().map(Vec::len).sum();
    for (here, words) in clauses.iter().enumerate() {
        for at in 0..words.len() {
            if REQUESTS.iter().any(|p| starts_with(words, at, p).is_some()) {
                return true;
            }
            let Some(len) = PEOPLE
                .iter()
                .flat_map(|(_, ws)| ws.iter())
                .filter_map(|p| starts_with(words, at, p))
                .max()
            else {
                continue;
            };
            let before = &words[..at];
            let next = words.get(at + len).map(String::as_str);
            // A cue before it with only small words between, or a verb right after it (German
            // and Dutch put the verb last: "mit einem Mitarbeiter sprechen").
            let cued_before = before
                .iter()
                .rev()
                .take_while(|w| cue(w) || small(w))
                .any(|w| cue(w));
            if (cued_before && next.is_none_or(|w| FOLLOWERS.contains(&w)))
                || next.is_some_and(|w| cue(w) && FOLLOWERS.contains(&w))
            {
                return true;
            }
            // "Is an agent available?"
            if next.is_some_and(|w| AVAILABLE.contains(&w)) {
                return true;
            }
            // The whole message is the person-word with polite words around it.
            let short = total < SHORT_REQUEST_WORDS + len;
            let rest_small = clauses.iter().enumerate().all(|(c, ws)| {
                ws.iter()
                    .enumerate()
                    .all(|(i, w)| (c == here && (at..at + len).contains(&i)) || small(w))
            });
            if short && rest_small {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_requests_for_a_person_in_several_languages() {
        for text in [
            "Can I talk to a HUMAN please?",
            "real person!!",
            "I want a human",
            "agent please",
            "Agent!",
            "human",
            "speak to someone",
            "Can I speak with someone about my order?",
            "I'd like to talk to a person, my parcel is late",
            "Could you connect me to an agent",
            "Is an agent available?",
            "I need to speak to customer service",
            "customer service please",
            "Ich möchte mit einem Mitarbeiter sprechen",
            "Mitarbeiter bitte",
            "Kann ich mit einem Menschen reden?",
            "je veux parler à un conseiller",
            "Je voudrais parler à une personne",
            "¿Puedo hablar con un humano?",
            "Quiero hablar con una persona",
            "Posso parlare con un operatore?",
            "Vorrei parlare con una persona reale",
            "graag een medewerker",
            "Ik wil met een medewerker spreken",
        ] {
            assert!(asks_for_person(text), "should ask for a person: {text}");
        }
    }

    #[test]
    fn product_questions_that_mention_people_are_not_requests() {
        for text in [
            "Do you have mens jackets?",
            "two person tent",
            "Do you have a two person tent?",
            "I need a tent for two person",
            "I want a human-sized bean bag",
            "Does the jacket come in humanely sourced wool?",
            "What sizes do you have?",
            "agentur",
            "Is this the Secret Agent costume?",
            "Haben Sie Zelte für eine Person?",
            "Une tente pour une personne ?",
            "tienda de campaña para una persona",
            "Do you sell mens boots in size 44?",
            "What are your customer service hours?",
        ] {
            assert!(!asks_for_person(text), "not a request: {text}");
        }
    }
}
