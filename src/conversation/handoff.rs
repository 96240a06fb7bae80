//! Does the shopper ask for a person? Words and phrases in the languages shops use most,
//! matched on whole words, case- and accent-insensitively enough for chat text.

/// Phrases that mean "let me talk to a person", per language.
const PHRASES: &[(&str, &[&str])] = &[
    (
        "en",
        &[
            "human",
            "agent",
            "person",
            "representative",
            "real person",
            "someone real",
            "operator",
            "customer service",
            "talk to someone",
            "live chat",
        ],
    ),
    (
        "de",
        &[
            "mensch",
            "mitarbeiter",
            "mitarbeiterin",
            "berater",
            "beraterin",
            "echte person",
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
            "vraie personne",
            "une personne",
            "service client",
        ],
    ),
    (
        "es",
        &[
            "humano",
            "agente",
            "persona real",
            "asesor",
            "atención al cliente",
        ],
    ),
    (
        "it",
        &["umano", "operatore", "persona reale", "assistenza clienti"],
    ),
    (
        "nl",
        &["mens", "medewerker", "echte persoon", "klantenservice"],
    ),
];

/// Whether `text` asks for a person, in any of the known languages.
pub fn asks_for_person(text: &str) -> bool {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    PHRASES
        .iter()
        .flat_map(|(_, phrases)| phrases.iter())
        .any(|phrase| {
            let wanted: Vec<&str> = phrase.split(' ').collect();
            words.windows(wanted.len()).any(|w| w == wanted.as_slice())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_requests_in_several_languages_on_whole_words() {
        for text in [
            "Can I talk to a HUMAN please?",
            "real person!!",
            "Ich möchte mit einem Mitarbeiter sprechen",
            "je veux parler à un conseiller",
            "¿Puedo hablar con un humano?",
            "Posso parlare con un operatore?",
            "graag een medewerker",
        ] {
            assert!(asks_for_person(text), "{text}");
        }
        for text in [
            "Does the jacket come in humanely sourced wool?",
            "What sizes do you have?",
            "agentur",
        ] {
            assert!(!asks_for_person(text), "{text}");
        }
    }
}
