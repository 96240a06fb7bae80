//! The life cycle walked end to end, illegal steps refused as errors, two agents racing for
//! one chat, and the requeue and reopen rules.

use super::*;

const WINDOW: i64 = 3_600_000;

fn step(c: &mut Lifecycle, e: Event) -> Result<Notice, TransitionError> {
    let v = c.version;
    c.apply(&e, v, Timestamp(1000), WINDOW)
}

#[test]
fn the_whole_journey_bot_queue_agent_transfer_close_reopen() {
    let (ann, bob) = (AgentId::generate(), AgentId::generate());
    let mut c = Lifecycle::new(true);
    assert_eq!(
        step(&mut c, Event::HandOff(HandoffReason::ShopperAsked)),
        Ok(Notice::HandedOff {
            reason: HandoffReason::ShopperAsked
        })
    );
    assert_eq!(c.stage, Stage::Queued);
    step(&mut c, Event::Take(ann.clone())).unwrap();
    assert_eq!(c.stage, Stage::Assigned { agent: ann.clone() });
    step(
        &mut c,
        Event::TransferTo {
            from: ann.clone(),
            to: bob.clone(),
        },
    )
    .unwrap();
    assert_eq!(c.stage, Stage::Assigned { agent: bob.clone() });
    assert_eq!(
        step(&mut c, Event::Close(Closer::Agent(ann.clone()))),
        Err(TransitionError::NotYours)
    );
    step(&mut c, Event::Close(Closer::Agent(bob.clone()))).unwrap();
    assert_eq!(c.stage, Stage::Closed);
    assert_eq!(step(&mut c, Event::ShopperWrites), Ok(Notice::Reopened));
    assert_eq!(
        c.stage,
        Stage::Queued,
        "a chat people had goes back to people"
    );
    assert_eq!(c.last_agent, Some(bob));
    assert_eq!(
        c.version, 5,
        "five transitions; the refused close changed nothing"
    );
}

#[test]
fn illegal_transitions_are_errors_not_panics() {
    let ann = AgentId::generate();
    let mut c = Lifecycle::new(false);
    assert!(matches!(
        step(&mut c, Event::HandOff(HandoffReason::Trigger)),
        Err(TransitionError::NotAllowed { .. })
    ));
    assert!(matches!(
        step(&mut c, Event::TransferToQueue(ann.clone())),
        Err(TransitionError::NotAllowed { .. })
    ));
    assert!(matches!(
        step(&mut c, Event::ShopperWrites),
        Err(TransitionError::NotAllowed { .. })
    ));
    step(&mut c, Event::Close(Closer::Shopper)).unwrap();
    assert!(matches!(
        step(&mut c, Event::Take(ann)),
        Err(TransitionError::NotAllowed { .. })
    ));
    assert_eq!(c.version, 1, "refused events change nothing");
}

#[test]
fn two_agents_taking_at_once_one_wins() {
    let (ann, bob) = (AgentId::generate(), AgentId::generate());
    let mut c = Lifecycle::new(false);
    let seen = c.version;
    c.apply(&Event::Take(ann.clone()), seen, Timestamp(1), WINDOW)
        .unwrap();
    assert_eq!(
        c.apply(&Event::Take(bob), seen, Timestamp(1), WINDOW),
        Err(TransitionError::Stale {
            expected: seen,
            actual: seen + 1
        })
    );
    assert_eq!(c.stage, Stage::Assigned { agent: ann });
}

#[test]
fn offline_agent_requeues_and_reopen_window_is_kept() {
    let ann = AgentId::generate();
    let mut c = Lifecycle::new(false);
    step(&mut c, Event::Take(ann.clone())).unwrap();
    assert_eq!(
        step(&mut c, Event::AgentGone(AgentId::generate())),
        Err(TransitionError::NotYours)
    );
    assert_eq!(
        step(&mut c, Event::AgentGone(ann.clone())),
        Ok(Notice::Requeued {
            agent: ann.clone(),
            offline: true
        })
    );
    assert_eq!(c.stage, Stage::Queued);
    let v = c.version;
    c.apply(&Event::Close(Closer::System), v, Timestamp(0), WINDOW)
        .unwrap();
    let v = c.version;
    assert_eq!(
        c.apply(&Event::ShopperWrites, v, Timestamp(WINDOW + 1), WINDOW),
        Err(TransitionError::ReopenWindowPassed)
    );
    let text = Notice::Requeued {
        agent: ann.clone(),
        offline: true,
    }
    .text(None, |_| "Ann".into());
    assert_eq!(
        text,
        "Ann is no longer available; waiting for another person."
    );
}

#[test]
fn notices_read_in_the_shoppers_language_with_the_names_filled_in() {
    let (ann, bob) = (AgentId::generate(), AgentId::generate());
    let name = |id: &AgentId| if *id == ann { "Ann" } else { "Bob" }.to_owned();
    let cases = [
        (
            Notice::HandedOff {
                reason: HandoffReason::ShopperAsked,
            },
            "You asked for a person; connecting you now.",
            "Vous avez demandé à parler à une personne ; nous vous mettons en relation.",
        ),
        (
            Notice::HandedOff {
                reason: HandoffReason::OrderHelp,
            },
            "A person from our team will look at your order.",
            "Une personne de notre équipe va examiner votre commande.",
        ),
        (
            Notice::Joined { agent: ann.clone() },
            "Ann joined the conversation.",
            "Ann a rejoint la conversation.",
        ),
        (
            Notice::Transferred {
                from: ann.clone(),
                to: bob.clone(),
            },
            "Ann handed the conversation to Bob.",
            "Ann a transféré la conversation à Bob.",
        ),
        (
            Notice::Requeued {
                agent: bob.clone(),
                offline: false,
            },
            "Bob passed the conversation on; waiting for another person.",
            "Bob a passé la main ; en attente d'une autre personne.",
        ),
        (
            Notice::Closed {
                by: Closer::Agent(ann.clone()),
            },
            "Ann closed the conversation.",
            "Ann a clôturé la conversation.",
        ),
        (
            Notice::Closed {
                by: Closer::Shopper,
            },
            "You closed the conversation.",
            "Vous avez clôturé la conversation.",
        ),
        (
            Notice::Closed { by: Closer::System },
            "The conversation was closed after a period of inactivity.",
            "La conversation a été clôturée après une période d'inactivité.",
        ),
        (
            Notice::Reopened,
            "The conversation was reopened.",
            "La conversation a été rouverte.",
        ),
    ];
    for (notice, english, french) in cases {
        assert_eq!(notice.text(None, name), english);
        assert_eq!(notice.text(Some("en"), name), english);
        assert_eq!(notice.text(Some("fr-FR"), name), french);
    }
}
