//! The per-frame and per-message hot path: decoding a shopper frame, applying a browsing event,
//! the whole event path (decode, apply, rules, timer) with its heap allocations, encoding a message, delivering it through the hub, and storing it durably (one at a time,
//! and with many in flight so the writer batches them into shared commits).

// Benchmarks and examples fail loudly by design: a panic on `unwrap` is the failure message, helpers are `pub`
// for the test modules only, and a long scenario reads best as one function.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_lines,
    unreachable_pub,
    missing_docs
)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use shopchat::bus::{BusEvent, WireEvent};
use shopchat::conversation::Lifecycle;
use shopchat::domain::{
    Author, AuthorKind, ClientMsgId, ConversationId, Message, MessageId, MessageText, Origin,
    SiteId, Timestamp, VisitorId,
};
use shopchat::hub::Hub;
use shopchat::protocol::{self, ClientFrame, ServerFrame};
use shopchat::store::sqlite::SqliteStore;
use shopchat::store::{NewMessage, NewSite, prelude::*};
use shopchat::triggers::VisitorRecord;
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio_util::sync::CancellationToken;

/// The system allocator, counting allocations, so the event-path bench can print how many
/// heap allocations one browsing event costs.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; only a counter is added.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { std::alloc::System.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const MESSAGE: &str = r#"{"type":"message","client_msg_id":"m-lx2k9q-abc123","text":"Hi! Does this jacket run small? I usually wear a medium."}"#;
const PAGE_VIEW: &str = r#"{"type":"event","name":"page_view","props":{"url":"https://shop.example/products/alpine-jacket?color=red","title":"Alpine jacket","type":"product","referrer":"https://www.google.com/"}}"#;

fn decode_and_apply(c: &mut Criterion) {
    let mut group = c.benchmark_group("frame");
    group.throughput(Throughput::Elements(1));
    group.bench_function("decode_message", |b| {
        b.iter(|| protocol::decode(black_box(MESSAGE)).is_ok())
    });
    group.bench_function("decode_and_apply_page_view", |b| {
        let mut state = VisitorRecord::first_visit(Timestamp(0));
        let mut n = 0i64;
        b.iter(|| {
            n += 1;
            if let Ok(ClientFrame::Event(e)) = protocol::decode(black_box(PAGE_VIEW))
                && let Ok(event) = e.into_event()
            {
                state.apply(&event, Timestamp(n));
            }
        })
    });
    let frame = ServerFrame::Message(Message {
        id: MessageId::generate(),
        conversation_id: ConversationId::generate(),
        seq: 42,
        author: Author {
            kind: AuthorKind::Agent,
            name: "Ann".into(),
        },
        text: "Yes, it runs a little small; take one size up.".into(),
        ts: Timestamp(1_795_000_000_000),
        offers_handoff: false,
        attachments: Vec::new(),
    });
    group.bench_function("encode_message", |b| b.iter(|| black_box(&frame).to_json()));

    let hub = Hub::new();
    let (site, visitor) = (SiteId::generate(), VisitorId::generate());
    let (tx, mut rx) = shopchat::hub::outbox(1024);
    let _registration = hub.register_shopper(
        &site,
        &visitor,
        VisitorRecord::first_visit(Timestamp(0)),
        tx,
        CancellationToken::new(),
    );
    let event = BusEvent::to_visitor(&site, &visitor, frame);
    group.bench_function("hub_deliver_one_socket", |b| {
        b.iter(|| {
            hub.deliver(black_box(&event));
            rx.try_recv().is_some()
        })
    });
    // What a Redis bus adds per event: the publisher writes the envelope's bytes once, every
    // node reads them once; the hub then delivers the shared JSON to each socket.
    let wire = WireEvent::from(&event);
    group.bench_function("bus_envelope_encode", |b| {
        b.iter(|| WireEvent::from(black_box(&event)).to_bytes())
    });
    let bytes = wire.to_bytes();
    group.bench_function("bus_envelope_decode", |b| {
        b.iter(|| WireEvent::from_bytes(black_box(&bytes)).is_ok())
    });
    group.bench_function("hub_deliver_wire_one_socket", |b| {
        b.iter(|| {
            hub.deliver_wire(black_box(&wire));
            rx.try_recv().is_some()
        })
    });
    group.finish();
}

fn store(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::TempDir::new().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let site = rt
        .block_on(store.create_site(NewSite {
            name: "bench".into(),
            origins: vec![Origin::parse("https://s.example").unwrap()],
        }))
        .unwrap()
        .id;
    let counter = Arc::new(AtomicU64::new(0));
    let message = move |visitor: &VisitorId, counter: &AtomicU64| NewMessage {
        author: Author {
            kind: AuthorKind::Shopper,
            name: "Shopper".into(),
        },
        author_id: visitor.to_string(),
        text: MessageText::parse("Does this jacket run small?", 4000).unwrap(),
        client_msg_id: Some(
            ClientMsgId::parse(&format!("m{}", counter.fetch_add(1, Ordering::Relaxed))).unwrap(),
        ),
        ts: Timestamp::now(),
        attachments: Vec::new(),
    };

    let mut group = c.benchmark_group("store");
    group.sample_size(20);
    group.throughput(Throughput::Elements(1));
    let visitor = VisitorId::generate();
    group.bench_function("append_durable_one_at_a_time", |b| {
        b.to_async(&rt).iter(|| {
            let (store, site, visitor, counter) = (
                store.clone(),
                site.clone(),
                visitor.clone(),
                counter.clone(),
            );
            async move {
                store
                    .append_to_visitor(
                        &site,
                        &visitor,
                        message(&visitor, &counter),
                        &Lifecycle::new(false).into(),
                    )
                    .await
                    .is_ok()
            }
        })
    });
    const IN_FLIGHT: u64 = 64;
    group.throughput(Throughput::Elements(IN_FLIGHT));
    group.bench_function("append_durable_64_in_flight", |b| {
        b.to_async(&rt).iter(|| {
            let (store, site, counter) = (store.clone(), site.clone(), counter.clone());
            async move {
                let mut tasks = Vec::with_capacity(IN_FLIGHT as usize);
                for _ in 0..IN_FLIGHT {
                    let (store, site, counter) = (store.clone(), site.clone(), counter.clone());
                    tasks.push(tokio::spawn(async move {
                        let visitor = VisitorId::generate();
                        store
                            .append_to_visitor(
                                &site,
                                &visitor,
                                message(&visitor, &counter),
                                &Lifecycle::new(false).into(),
                            )
                            .await
                            .is_ok()
                    }));
                }
                for t in tasks {
                    let _ = t.await;
                }
            }
        })
    });
    group.finish();
    rt.block_on(store.close());
}

/// A site's rules: every tenth one wakes on page views and has a dwell condition; the others
/// wake on custom events, test cart and UTM facts, and never match this visitor.
fn rule_set(n: usize) -> shopchat::triggers::RuleSet {
    use serde_json::json;
    let rules = (0..n)
        .map(|i| {
            let spec = if i % 10 == 0 {
                json!({ "name": format!("dwell {i}"), "priority": i, "when": "page_view",
                    "conditions": { "all": [
                        { "fact": "page.type", "op": "eq", "value": "product" },
                        { "fact": "page.path", "op": "matches", "glob": format!("/products/{i}/**") },
                        { "fact": "time_on_page", "op": "gte", "value": 40 } ] },
                    "actions": [{ "type": "message", "text": "Need help?" }] })
            } else {
                json!({ "name": format!("rule {i}"), "priority": i, "when": format!("custom_{}", i % 7),
                    "conditions": { "any": [
                        { "fact": "cart.total", "op": "gte", "value": 1000 + i },
                        { "fact": "utm.campaign", "op": "eq", "value": format!("c{i}") } ] },
                    "actions": [{ "type": "tag", "tag": "t" }] })
            };
            shopchat::triggers::Rule::from_json(shopchat::domain::RuleId::generate(), &spec).unwrap()
        })
        .collect();
    shopchat::triggers::RuleSet::new(rules, shopchat::triggers::Fatigue::default())
}

/// The whole per-event path short of the socket: decode a `page_view` frame, apply it to the
/// visitor's state, evaluate a site's 100 rules and plan the next timer (two pages in turn, so
/// each event really changes the page). Prints the heap allocations one event costs.
fn event_path(c: &mut Criterion) {
    const PAGES: [&str; 2] = [
        r#"{"type":"event","name":"page_view","props":{"url":"https://shop.example/products/7","type":"product"}}"#,
        r#"{"type":"event","name":"page_view","props":{"url":"https://shop.example/products/8","type":"product"}}"#,
    ];
    // What the widget sends for every page (`describePage` in widget/src/3-page.js).
    const WIDGET_PAGES: [&str; 2] = [
        r#"{"type":"event","name":"page_view","props":{"url":"https://shop.example/products/7","title":"Alpine jacket","referrer":"https://www.google.com/","device":"desktop","language":"en-GB","type":"product"}}"#,
        r#"{"type":"event","name":"page_view","props":{"url":"https://shop.example/products/8","title":"Trail boots","referrer":"https://www.google.com/","device":"desktop","language":"en-GB","type":"product"}}"#,
    ];
    let set = rule_set(100);
    let visitor = VisitorId::generate();
    let mut state = VisitorRecord::first_visit(Timestamp(0));
    let mut n = 0i64;
    let mut one_event = |state: &mut VisitorRecord, pages: &[&str; 2]| {
        n += 1;
        event_path_once(
            &set,
            &visitor,
            state,
            pages[(n % 2) as usize],
            Timestamp(1000 + n),
        )
    };
    let mut count = |state: &mut VisitorRecord, pages: &[&str; 2]| {
        for _ in 0..10 {
            one_event(state, pages);
        }
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        for _ in 0..1000 {
            black_box(one_event(state, pages));
        }
        (ALLOCATIONS.load(Ordering::Relaxed) - before) as f64 / 1000.0
    };
    let per_event = count(&mut state, &PAGES);
    let widget = count(&mut VisitorRecord::first_visit(Timestamp(0)), &WIDGET_PAGES);
    println!(
        "event path: {per_event:.1} heap allocations per page_view (100 rules); \
         {widget:.1} with the widget's full page (title, referrer, device, language)"
    );
    let mut group = c.benchmark_group("event_path");
    group.throughput(Throughput::Elements(1));
    group.bench_function("page_view_100_rules", |b| {
        b.iter(|| black_box(one_event(&mut state, &PAGES)))
    });
    group.finish();
}

/// One page view through decode, state, rules and timer, as the server runs it.
fn event_path_once(
    set: &shopchat::triggers::RuleSet,
    visitor: &VisitorId,
    state: &mut VisitorRecord,
    frame: &str,
    now: Timestamp,
) -> (shopchat::triggers::Evaluation, Option<Timestamp>) {
    use shopchat::triggers::{Facts, Wake};
    let Ok(ClientFrame::Event(e)) = protocol::decode(black_box(frame)) else {
        panic!("page_view must decode");
    };
    let event = e.into_event().unwrap();
    state.apply(&event, now);
    let facts = Facts {
        now,
        visitor: &*state,
        online_agents: &[],
        business_hours: true,
        in_conversation: false,
        shop: None,
    };
    // As the server does: every glob matched once, for the evaluation and the plan.
    let matched = set.matched(&facts);
    let fired = set.evaluate_with(&matched, Wake::Event(event.name()), &facts, visitor, false);
    (fired, set.next_wake_with(&matched, &facts))
}

fn triggers(c: &mut Criterion) {
    use shopchat::triggers::{Facts, Wake};
    let mut state = VisitorRecord::first_visit(Timestamp(0));
    if let Ok(ClientFrame::Event(e)) = protocol::decode(PAGE_VIEW)
        && let Ok(event) = e.into_event()
    {
        state.apply(&event, Timestamp(1000));
    }
    let visitor = VisitorId::generate();
    let mut group = c.benchmark_group("triggers");
    group.throughput(Throughput::Elements(1));
    for n in [1usize, 10, 100, 1000] {
        let set = rule_set(n);
        let facts = Facts {
            now: Timestamp(5000),
            visitor: &state,
            online_agents: &[],
            business_hours: true,
            in_conversation: false,
            shop: None,
        };
        group.bench_function(format!("evaluate_page_view_{n}_rules"), |b| {
            b.iter(|| {
                set.evaluate(
                    Wake::Event(black_box("page_view")),
                    black_box(&facts),
                    &visitor,
                    false,
                )
            })
        });
        group.bench_function(format!("evaluate_custom_event_{n}_rules"), |b| {
            b.iter(|| {
                set.evaluate(
                    Wake::Event(black_box("custom_3")),
                    black_box(&facts),
                    &visitor,
                    false,
                )
            })
        });
        group.bench_function(format!("plan_timer_{n}_rules"), |b| {
            b.iter(|| set.next_wake(black_box(&facts)))
        });
    }
    group.finish();
}

/// The bot's turn on every shopper message while the bot has the chat: rank the message
/// against the site's articles, and run the site's keyword rules over it.
fn bot(c: &mut Criterion) {
    use shopchat::conversation::{ChatSettings, KeywordRule};
    use shopchat::library::kb::{KnowledgeBase, language_for};
    use shopchat::store::Article;
    let topics = [
        "shipping", "returns", "sizes", "payment", "delivery", "warranty", "discount", "gift",
        "store", "account",
    ];
    let articles = |n: usize| -> Vec<Article> {
        (0..n)
            .map(|i| {
                let topic = topics[i % topics.len()];
                Article {
                    id: shopchat::domain::ArticleId::generate(),
                    site_id: SiteId::generate(),
                    question: format!("How does {topic} work for order type {i}?"),
                    answer: format!(
                        "Our {topic} policy number {i}: we handle it within {i} days, free of charge for members."
                    ),
                    translations: Default::default(),
                    created_at: Timestamp(0),
                    updated_at: Timestamp(0),
                }
            })
            .collect()
    };
    let mut group = c.benchmark_group("bot");
    group.throughput(Throughput::Elements(1));
    for n in [10usize, 100, 1000] {
        let kb = KnowledgeBase::new(&articles(n), language_for(Some("en")));
        group.bench_function(format!("kb_answer_{n}_articles"), |b| {
            b.iter(|| kb.answer(black_box("how long does shipping take to Germany?"), 1.0))
        });
    }
    let settings = ChatSettings {
        keyword_rules: (0..20)
            .map(|i| KeywordRule {
                keywords: vec![format!("word{i}"), format!("two words{i}")],
                tag: Some(format!("tag{i}")),
                priority: 1,
            })
            .collect(),
        ..ChatSettings::default()
    };
    group.bench_function("keyword_rules_20", |b| {
        b.iter(|| {
            settings.classify(black_box(
                "I would like my money back for the jacket, word7 please",
            ))
        })
    });
    group.finish();
}

criterion_group!(benches, decode_and_apply, event_path, triggers, bot, store);
criterion_main!(benches);
