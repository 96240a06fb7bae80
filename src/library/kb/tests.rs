//! Ranking real questions against a small shop FAQ, in English, German and French.

use super::*;
use crate::domain::{SiteId, Timestamp};

fn article(question: &str, answer: &str) -> Article {
    Article {
        id: ArticleId::generate(),
        site_id: SiteId::parse("site_testtesttest").unwrap(),
        question: question.into(),
        answer: answer.into(),
        translations: Default::default(),
        created_at: Timestamp(0),
        updated_at: Timestamp(0),
    }
}

fn faq() -> Vec<Article> {
    vec![
        article(
            "How long does shipping take?",
            "Orders ship within 24 hours. Delivery takes 2-3 working days in Germany and \
             3-5 working days to the rest of the EU.",
        ),
        article(
            "How can I return an item?",
            "You can return anything within 30 days. Print the free return label from \
             your account and drop the parcel at any post office.",
        ),
        article(
            "Which payment methods do you accept?",
            "We accept credit cards, PayPal, Klarna invoice and bank transfer.",
        ),
        article(
            "How do I find my size?",
            "Every product page has a size chart. If you are between two sizes, pick the \
             larger one for jackets.",
        ),
        article(
            "Do you have a shop I can visit?",
            "Our store in Berlin is open Monday to Saturday, 10:00 to 19:00.",
        ),
    ]
}

#[test]
fn scores_of_real_questions_and_noise() {
    let articles = faq();
    let kb = KnowledgeBase::new(&articles, Language::English);
    let hits = [
        ("how long does shipping take to germany?", 0),
        ("do you ship to Austria", 0),
        ("can I return my jacket?", 1),
        ("can I pay with paypal", 2),
        ("what size should I order", 3),
        ("where is your store", 4),
    ];
    let noise = [
        "what is the meaning of life",
        "asdf",
        "hello",
        "thanks!",
        "is anyone there?",
        "I like turtles",
        "what do you think about the weather",
        "my order",
    ];
    let top = |q: &str| {
        kb.ranked(q)
            .first()
            .map(|m| (m.score, m.article_id.clone()))
    };
    for (question, _) in hits {
        eprintln!("hit?  {question:45} -> {:?}", top(question).map(|t| t.0));
    }
    for question in noise {
        eprintln!("miss? {question:45} -> {:?}", top(question).map(|t| t.0));
    }
    for (question, expected) in hits {
        let best = kb.answer(question, DEFAULT_MIN_SCORE);
        assert_eq!(
            best.map(|m| m.article_id),
            Some(articles[expected].id.clone()),
            "`{question}` should hit"
        );
    }
    for question in noise {
        assert_eq!(
            kb.answer(question, DEFAULT_MIN_SCORE),
            None,
            "`{question}` should miss"
        );
    }
}

#[test]
fn a_shipping_question_hits_the_shipping_article() {
    let articles = faq();
    let kb = KnowledgeBase::new(&articles, Language::English);
    let best = kb
        .answer("How long is shipping to Germany?", DEFAULT_MIN_SCORE)
        .expect("hit");
    assert_eq!(best.article_id, articles[0].id);
    assert!(best.answer.starts_with("Orders ship within 24 hours"));
    assert!(best.score >= DEFAULT_MIN_SCORE);
}

#[test]
fn nonsense_misses() {
    let kb = KnowledgeBase::new(&faq(), Language::English);
    assert_eq!(
        kb.answer("what is the meaning of life", DEFAULT_MIN_SCORE),
        None
    );
    assert_eq!(kb.answer("asdf", DEFAULT_MIN_SCORE), None);
    assert_eq!(kb.answer("", DEFAULT_MIN_SCORE), None);
}

#[test]
fn an_empty_knowledge_base_never_answers() {
    let kb = KnowledgeBase::new(&[], Language::English);
    assert!(kb.is_empty());
    assert_eq!(kb.answer("how long does shipping take", 0.0), None);
}

#[test]
fn a_single_article_can_answer() {
    let only = vec![faq().remove(0)];
    let kb = KnowledgeBase::new(&only, Language::English);
    let best = kb.answer("how long does shipping take?", DEFAULT_MIN_SCORE);
    assert_eq!(best.map(|m| m.article_id), Some(only[0].id.clone()));
    assert_eq!(kb.answer("asdf", DEFAULT_MIN_SCORE), None);
}

#[test]
fn ranking_prefers_the_article_whose_question_matches() {
    let articles = vec![
        article("Do you ship abroad?", "Yes, to every EU country."),
        article(
            "How much does shipping cost?",
            "Shipping is free from 50 EUR, otherwise 4.90 EUR.",
        ),
        article(
            "Can I return sale items?",
            "Sale items can be returned too.",
        ),
    ];
    let kb = KnowledgeBase::new(&articles, Language::English);
    let ranked = kb.ranked("how much does shipping cost");
    assert_eq!(ranked[0].article_id, articles[1].id);
    assert!(ranked.windows(2).all(|w| w[0].score >= w[1].score));
}

#[test]
fn german_questions_are_stemmed_as_german() {
    let articles = vec![
        article(
            "Wie lange dauert der Versand?",
            "Der Versand dauert 2-3 Werktage.",
        ),
        article("Kann ich zurückgeben?", "Rückgabe innerhalb von 30 Tagen."),
    ];
    let kb = KnowledgeBase::new(&articles, language_for(Some("de-DE")));
    let best = kb.answer(
        "Wie lange dauert der Versand nach Österreich?",
        DEFAULT_MIN_SCORE,
    );
    assert_eq!(best.map(|m| m.article_id), Some(articles[0].id.clone()));
}

fn with_french(mut article: Article, question: &str, answer: &str) -> Article {
    article.translations.insert(
        "fr".into(),
        crate::library::ArticleText {
            question: question.into(),
            answer: answer.into(),
        },
    );
    article
}

#[test]
fn a_french_shopper_gets_the_french_version() {
    let articles = vec![
        with_french(
            article(
                "How long does shipping take?",
                "Delivery takes 2 to 4 days.",
            ),
            "Combien de temps prend la livraison ?",
            "La livraison prend 2 à 4 jours.",
        ),
        article(
            "How can I return an item?",
            "Within 30 days, free of charge.",
        ),
    ];
    let kb = KnowledgeBase::new(&articles, Language::English);
    let french = kb
        .answer_in(
            "Quel est le délai de livraison ?",
            DEFAULT_MIN_SCORE,
            Some("fr"),
        )
        .expect("the French version matches");
    assert_eq!(french.article_id, articles[0].id);
    assert_eq!(french.answer, "La livraison prend 2 à 4 jours.");
    // An English question from the same shopper still finds the article, in French.
    let english = kb
        .answer_in("how long does shipping take", DEFAULT_MIN_SCORE, Some("fr"))
        .expect("hit");
    assert_eq!(english.answer, "La livraison prend 2 à 4 jours.");
    // No French version: the article as written.
    let returns = kb
        .answer_in("can I return an item", DEFAULT_MIN_SCORE, Some("fr"))
        .expect("hit");
    assert_eq!(returns.answer, "Within 30 days, free of charge.");
    // Another language, or none: as written.
    for language in [Some("de"), None] {
        let plain = kb.answer_in("how long does shipping take", DEFAULT_MIN_SCORE, language);
        assert_eq!(
            plain.map(|m| m.answer).as_deref(),
            Some("Delivery takes 2 to 4 days.")
        );
    }
}

#[test]
fn language_tags_map_to_stemmers() {
    assert!(matches!(language_for(Some("de")), Language::German));
    assert!(matches!(language_for(Some("fr_CH")), Language::French));
    assert!(matches!(language_for(Some("NL")), Language::Dutch));
    assert!(matches!(language_for(Some("xx")), Language::English));
    assert!(matches!(language_for(None), Language::English));
}
