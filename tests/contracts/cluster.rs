//! Several nodes on one Redis: three `shopchat` processes (the real binary, `--redis`) share
//! the store and the bus. A shopper on one node and an agent on another chat both ways; two
//! agents on two nodes take the same chat and exactly one wins; a node killed mid-chat loses
//! nothing its shopper had acknowledged when the shopper resumes on another; a Redis restart
//! mid-chat loses nothing acknowledged and every node delivers again without a restart;
//! a "once per visitor" rule stays once when the shopper bounces between nodes.

use crate::common::{DEADLINE, Shopper};
use crate::redis_server::{RedisServer, unique_prefix};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use tokio::sync::mpsc;

/// One `shopchat` process.
pub(crate) struct Node {
    child: Child,
    port: u16,
    /// Log lines (JSON), for the first node's one-time password.
    logs: mpsc::UnboundedReceiver<String>,
    _data: tempfile::TempDir,
}

impl Node {
    /// Starts a node on a free port against `redis` with `prefix`; returns once it listens.
    async fn start(redis: &str, prefix: &str, extra: &[String]) -> Node {
        let data = tempfile::TempDir::new().unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_shopchat"));
        for (key, _) in
            std::env::vars().filter(|(k, _)| k.starts_with("SHOPCHAT_") || k == "RUST_LOG")
        {
            cmd.env_remove(key);
        }
        let mut child = cmd
            .arg("--data-dir")
            .arg(data.path())
            .args(["--bind", "127.0.0.1:0", "--log-format", "json"])
            .args(["--redis", redis, "--redis-prefix", prefix])
            // Chats of an agent who vanished go back to the queue 2 s later (60 s by default).
            .args(["--agent-grace-ms", "2000"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start shopchat");
        let stderr = child.stderr.take().unwrap();
        let (tx, mut logs) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut seen = Vec::new();
        let port = loop {
            let line = tokio::time::timeout(DEADLINE, logs.recv())
                .await
                .unwrap_or_else(|_| panic!("node did not listen in time: {seen:?}"))
                .unwrap_or_else(|| panic!("node exited: {seen:?}"));
            let entry: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
            if let Some(p) = entry["fields"]["port"].as_u64() {
                break p as u16;
            }
            seen.push(line);
        };
        // Lines before `listening` (the first-start password among them) go back in front.
        let (tx, rest) = mpsc::unbounded_channel();
        for line in seen {
            let _ = tx.send(line);
        }
        tokio::spawn(async move {
            while let Some(line) = logs.recv().await {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Node {
            child,
            port,
            logs: rest,
            _data: data,
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Kills the process as a crash would (SIGKILL, by pid).
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub(crate) async fn shopper(&self, site: &Site) -> Shopper {
        Shopper::connect(
            &format!("ws://127.0.0.1:{}/ws/shopper?site={}", self.port, site.key),
            Some(&site.origin),
        )
        .await
        .expect("shopper connects")
    }

    /// An agent socket, after its `ready`.
    pub(crate) async fn agent(&self, token: &str) -> (Shopper, Value) {
        let mut agent = Shopper::connect(&format!("ws://127.0.0.1:{}/ws/agent", self.port), None)
            .await
            .expect("agent connects");
        agent.send(json!({ "type": "auth", "token": token })).await;
        let ready = agent.recv().await;
        assert_eq!(ready["type"], "ready", "{ready}");
        (agent, ready)
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The demo site the first node made.
pub(crate) struct Site {
    pub(crate) id: String,
    key: String,
    origin: String,
}

/// Redis and three nodes on it, with the owner logged in.
pub(crate) struct Cluster {
    redis: RedisServer,
    prefix: String,
    pub(crate) nodes: Vec<Node>,
    pub(crate) site: Site,
    pub(crate) owner: String,
    pub(crate) http: reqwest::Client,
}

const OWNER_PASSWORD: &str = "granite meadow fox 31";

impl Cluster {
    async fn start(redis: RedisServer) -> Cluster {
        Cluster::start_with(redis, &[]).await
    }

    /// Three nodes, each started with `extra` flags too (the email tests' relay).
    pub(crate) async fn start_with(redis: RedisServer, extra: &[String]) -> Cluster {
        let prefix = unique_prefix();
        let url = redis.url();
        // The first node alone: it finds an empty store and makes the demo site and owner.
        let mut first = Node::start(&url, &prefix, extra).await;
        let password = loop {
            let line = tokio::time::timeout(DEADLINE, first.logs.recv())
                .await
                .expect("first-start password logged")
                .expect("node running");
            let entry: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
            // JSON logs name the owner-only file that holds the password, never the password.
            if let Some(path) = entry["fields"]["password_file"].as_str() {
                break crate::common::first_owner_password(std::path::Path::new(path));
            }
        };
        let mut nodes = vec![first];
        for _ in 0..2 {
            nodes.push(Node::start(&url, &prefix, extra).await);
        }
        let http = reqwest::Client::new();
        let token = login(&http, &nodes[0], "owner@shopchat.local", &password).await;
        let changed = http
            .post(nodes[0].url("/api/v1/auth/password"))
            .bearer_auth(&token)
            .json(&json!({ "current_password": password, "new_password": OWNER_PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(changed.status(), 200);
        // Any node serves the same accounts and sites.
        let owner = login(&http, &nodes[2], "owner@shopchat.local", OWNER_PASSWORD).await;
        let sites: Value = http
            .get(nodes[1].url("/api/v1/sites"))
            .bearer_auth(&owner)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let site = &sites["sites"][0];
        let site = Site {
            id: site["id"].as_str().unwrap().to_owned(),
            key: site["public_key"].as_str().unwrap().to_owned(),
            origin: site["origins"][0].as_str().unwrap().to_owned(),
        };
        Cluster {
            redis,
            prefix,
            nodes,
            site,
            owner,
            http,
        }
    }

    fn site_url(&self, node: usize, rest: &str) -> String {
        self.nodes[node].url(&format!("/api/v1/sites/{}{rest}", self.site.id))
    }

    pub(crate) async fn put(&self, node: usize, rest: &str, body: Value) -> Value {
        let response = self
            .http
            .put(self.site_url(node, rest))
            .bearer_auth(&self.owner)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{}", response.status());
        response.json().await.unwrap()
    }

    pub(crate) async fn get(&self, node: usize, rest: &str) -> Value {
        self.http
            .get(self.site_url(node, rest))
            .bearer_auth(&self.owner)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Waits until `node` sees the agent online (presence news from its node has arrived).
    async fn sees_online(&self, node: usize, agent_id: &str) {
        let until = tokio::time::Instant::now() + DEADLINE;
        loop {
            let agents = self.get(node, "/agents").await;
            let online = agents["agents"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|a| a["id"] == agent_id && a["status"] == "online");
            if online {
                return;
            }
            assert!(
                tokio::time::Instant::now() < until,
                "node {node} never saw {agent_id} online: {agents}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// A second agent of the site, logged in with its own password.
    async fn second_agent(&self) -> (String, String) {
        let invited: Value = self
            .http
            .post(self.site_url(0, "/agents"))
            .bearer_auth(&self.owner)
            .json(&json!({ "email": "bob@shop.example", "name": "Bob", "role": "agent" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let once = invited["one_time_password"].as_str().unwrap().to_owned();
        let token = login(&self.http, &self.nodes[1], "bob@shop.example", &once).await;
        let changed = self
            .http
            .post(self.nodes[1].url("/api/v1/auth/password"))
            .bearer_auth(&token)
            .json(&json!({ "current_password": once, "new_password": "amber canyon whistle 9" }))
            .send()
            .await
            .unwrap();
        assert_eq!(changed.status(), 200);
        // The change revoked the one-time token; the answer carries the new one.
        let changed: Value = changed.json().await.unwrap();
        let token = changed["token"].as_str().unwrap().to_owned();
        (invited["agent"]["id"].as_str().unwrap().to_owned(), token)
    }
}

/// A chat in progress across nodes: an agent socket on node 1, a shopper on node 0 who wrote
/// `text`, asked for a person, and was routed to that agent.
pub(crate) struct RoutedChat {
    pub(crate) agent: Shopper,
    pub(crate) shopper: Shopper,
    welcome: Value,
    pub(crate) conversation: String,
}

impl Cluster {
    pub(crate) async fn routed_chat(&self, text: &str) -> RoutedChat {
        let (mut agent, ready) = self.nodes[1].agent(&self.owner).await;
        self.sees_online(0, &agent_id(&ready)).await;
        let mut shopper = self.nodes[0].shopper(&self.site).await;
        let welcome = shopper.hello(json!({})).await;
        shopper
            .send(json!({ "type": "message", "client_msg_id": "first", "text": text }))
            .await;
        shopper.send(json!({ "type": "handoff" })).await;
        let routed = until(&mut agent, "routed", |f| f["type"] == "routed").await;
        let conversation = routed["conversation_id"].as_str().unwrap().to_owned();
        RoutedChat {
            agent,
            shopper,
            welcome,
            conversation,
        }
    }

    /// The texts stored in a conversation, read through `node`.
    pub(crate) async fn stored_texts(&self, node: usize, conversation: &str) -> Vec<String> {
        let transcript = self
            .get(node, &format!("/conversations/{conversation}/transcript"))
            .await;
        transcript["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["text"].as_str().map(str::to_owned))
            .collect()
    }
}

async fn login(http: &reqwest::Client, node: &Node, email: &str, password: &str) -> String {
    let response = http
        .post(node.url("/api/v1/auth/login"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "login {email}");
    let body: Value = response.json().await.unwrap();
    body["token"].as_str().unwrap().to_owned()
}

/// The next frame of `kind` that `test` accepts.
pub(crate) async fn until(
    socket: &mut Shopper,
    what: &str,
    test: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let frame = tokio::time::timeout_at(deadline, socket.recv())
            .await
            .unwrap_or_else(|_| panic!("no {what} before the deadline"));
        if test(&frame) {
            return frame;
        }
    }
}

fn agent_id(ready: &Value) -> String {
    ready["agent"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_shopper_on_one_node_and_an_agent_on_another_chat_both_ways() {
    let cluster = Cluster::start(RedisServer::start().await).await;
    // Routing on node 0 gives the chat to the agent on node 1.
    let RoutedChat {
        mut agent,
        mut shopper,
        welcome,
        conversation,
    } = cluster.routed_chat("Hello there").await;
    until(&mut shopper, "assigned status", |f| {
        f["type"] == "status" && f["state"] == "assigned"
    })
    .await;

    agent
        .send(json!({ "type": "typing", "conversation_id": conversation }))
        .await;
    let typing = until(&mut shopper, "agent typing", |f| f["type"] == "typing").await;
    assert_eq!(typing["author"]["kind"], "agent", "{typing}");
    shopper.send(json!({ "type": "typing" })).await;
    until(&mut agent, "shopper typing", |f| {
        f["type"] == "typing" && f["author"]["kind"] == "shopper"
    })
    .await;

    agent
        .send(json!({ "type": "message", "conversation_id": conversation,
                      "client_msg_id": "a1", "text": "Hi, I am on node 1" }))
        .await;
    let reply = until(&mut shopper, "the agent's message", |f| {
        f["type"] == "message" && f["author"]["kind"] == "agent"
    })
    .await;
    assert_eq!(reply["text"], "Hi, I am on node 1");
    shopper
        .send(json!({ "type": "message", "client_msg_id": "m2", "text": "And I on node 0" }))
        .await;
    let seen = until(&mut agent, "the shopper's message", |f| {
        f["type"] == "message" && f["message"]["text"] == "And I on node 0"
    })
    .await;
    assert_eq!(seen["message"]["conversation_id"], conversation.as_str());
    // The agent's node shows the shopper as on the shop now, though its socket is on node 0.
    let visitor = cluster
        .get(
            1,
            &format!("/visitors/{}", welcome["visitor_id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(visitor["online"], true, "{visitor}");
}

#[tokio::test]
async fn two_agents_on_two_nodes_take_the_same_chat_and_exactly_one_wins() {
    let cluster = Cluster::start(RedisServer::start().await).await;
    cluster
        .put(2, "/chat-settings", json!({ "auto_assign": false }))
        .await;
    let (bob_id, bob) = cluster.second_agent().await;
    let (mut ann, ready) = cluster.nodes[1].agent(&cluster.owner).await;
    let (mut bob, _) = cluster.nodes[2].agent(&bob).await;
    cluster.sees_online(0, &agent_id(&ready)).await;
    cluster.sees_online(0, &bob_id).await;

    for round in 0..3 {
        let mut shopper = cluster.nodes[0].shopper(&cluster.site).await;
        shopper.hello(json!({})).await;
        shopper
            .send(json!({ "type": "message", "client_msg_id": "m", "text": "A person please" }))
            .await;
        shopper.send(json!({ "type": "handoff" })).await;
        let queued = until(&mut ann, "the queued chat", |f| {
            f["type"] == "conversation" && f["conversation"]["state"] == "queued"
        })
        .await;
        let id = queued["conversation"]["id"].clone();
        let take = |r: &str| json!({ "type": "take", "conversation_id": id, "ref": r });
        ann.send(take("ann")).await;
        bob.send(take("bob")).await;
        let a = until(&mut ann, "ann's answer", |f| f["ref"] == "ann").await;
        let b = until(&mut bob, "bob's answer", |f| f["ref"] == "bob").await;
        let wins = [&a, &b].iter().filter(|f| f["type"] == "ok").count();
        assert_eq!(wins, 1, "round {round}: {a} {b}");
        let loser = if a["type"] == "ok" { &b } else { &a };
        assert_eq!(loser["code"], "not_allowed", "round {round}: {loser}");
        let transcript = cluster
            .get(
                1,
                &format!("/conversations/{}/transcript", id.as_str().unwrap()),
            )
            .await;
        let joined = transcript["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["text"].as_str().is_some_and(|t| t.contains("joined")))
            .count();
        assert_eq!(joined, 1, "round {round}: one join line: {transcript}");
    }
}

#[tokio::test]
async fn a_node_killed_mid_chat_loses_nothing_when_the_shopper_resumes_on_another() {
    let mut cluster = Cluster::start(RedisServer::start().await).await;
    let RoutedChat {
        mut agent,
        mut shopper,
        welcome,
        conversation,
    } = cluster.routed_chat("shopper 0").await;

    // Every message either side had acknowledged, and every message the shopper received.
    let mut sent_by_agent = Vec::new();
    let mut sent_by_shopper = vec!["shopper 0".to_owned()];
    let mut shopper_got: HashMap<u64, String> = HashMap::new();
    let mut last_seq = 0u64;
    let record = |frame: &Value, got: &mut HashMap<u64, String>, last: &mut u64| {
        if frame["type"] == "message" && frame["conversation_id"] == conversation.as_str() {
            let seq = frame["seq"].as_u64().unwrap();
            let previous = got.insert(seq, frame["text"].as_str().unwrap().to_owned());
            assert!(previous.is_none(), "seq {seq} delivered twice");
            *last = (*last).max(seq);
        }
    };
    for i in 1..=5 {
        let text = format!("shopper {i}");
        shopper
            .send(json!({ "type": "message", "client_msg_id": format!("s{i}"), "text": text }))
            .await;
        sent_by_shopper.push(text);
        let text = format!("agent {i}");
        agent
            .send(json!({ "type": "message", "conversation_id": conversation,
                          "client_msg_id": format!("a{i}"), "text": text, "ref": format!("a{i}") }))
            .await;
        until(&mut agent, "the ack", |f| {
            f["type"] == "ack" && f["ref"] == format!("a{i}")
        })
        .await;
        sent_by_agent.push(text);
    }
    // The shopper reads what reached it before the crash (up to its barrier).
    for frame in shopper.drain().await {
        record(&frame, &mut shopper_got, &mut last_seq);
    }

    cluster.nodes[0].kill();
    // While the shopper is away, the agent goes on writing.
    for i in 6..=8 {
        let text = format!("agent {i}");
        agent
            .send(json!({ "type": "message", "conversation_id": conversation,
                          "client_msg_id": format!("a{i}"), "text": text, "ref": format!("a{i}") }))
            .await;
        until(&mut agent, "the ack", |f| {
            f["type"] == "ack" && f["ref"] == format!("a{i}")
        })
        .await;
        sent_by_agent.push(text);
    }

    // The widget reconnects to another node and resumes from its last seq.
    let mut shopper = cluster.nodes[2].shopper(&cluster.site).await;
    let mut resume = serde_json::Map::new();
    resume.insert(conversation.clone(), json!(last_seq));
    shopper
        .hello(
            json!({ "visitor_id": welcome["visitor_id"], "session": welcome["session"],
                       "last_seq": resume }),
        )
        .await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "s9", "text": "shopper 9" }))
        .await;
    sent_by_shopper.push("shopper 9".to_owned());
    for frame in shopper.drain().await {
        record(&frame, &mut shopper_got, &mut last_seq);
    }
    until(&mut agent, "the shopper's message after the move", |f| {
        f["type"] == "message" && f["message"]["text"] == "shopper 9"
    })
    .await;

    // Count: the shopper has each agent message exactly once (duplicates failed above), and
    // the store has every acknowledged message of both sides exactly once.
    let received: Vec<&String> = shopper_got.values().collect();
    for text in &sent_by_agent {
        assert_eq!(
            received.iter().filter(|t| **t == text).count(),
            1,
            "{text} reached the shopper once: {shopper_got:?}"
        );
    }
    let texts = cluster.stored_texts(1, &conversation).await;
    for text in sent_by_agent.iter().chain(&sent_by_shopper) {
        assert_eq!(
            texts.iter().filter(|t| *t == text).count(),
            1,
            "{text} stored once: {texts:?}"
        );
    }
}

#[tokio::test]
async fn a_redis_restart_mid_chat_loses_nothing_acknowledged_and_every_node_delivers_again() {
    let mut cluster = Cluster::start(RedisServer::start_durable().await).await;
    let RoutedChat {
        mut agent,
        mut shopper,
        conversation,
        ..
    } = cluster.routed_chat("before the blip").await;
    agent
        .send(json!({ "type": "message", "conversation_id": conversation,
                      "client_msg_id": "a1", "text": "agent before the blip", "ref": "a1" }))
        .await;
    until(&mut agent, "the ack", |f| {
        f["type"] == "ack" && f["ref"] == "a1"
    })
    .await;
    until(&mut shopper, "the agent's message", |f| {
        f["type"] == "message" && f["text"] == "agent before the blip"
    })
    .await;

    cluster.redis.stop().await;
    // Nothing can be stored: the shopper is told to retry, not acknowledged.
    shopper
        .send(json!({ "type": "message", "client_msg_id": "s2", "text": "during the blip" }))
        .await;
    let refused = until(&mut shopper, "an answer to the message", |f| {
        f["type"] == "ack" || f["type"] == "error"
    })
    .await;
    assert_eq!(
        refused["type"], "error",
        "nothing is acknowledged while Redis is down: {refused}"
    );
    assert_eq!(refused["code"], "internal", "{refused}");
    // The API says so too: 503, retry.
    let response = cluster
        .http
        .get(cluster.site_url(2, "/conversations"))
        .bearer_auth(&cluster.owner)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "1");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable", "{body}");

    cluster.redis.start_again().await;
    // The agent's node resubscribed and tells its dashboard to refetch: a 1012 close.
    let close = agent.closed().await.expect("a close frame");
    assert_eq!(u16::from(close.code), 1012, "{close:?}");
    let (mut agent, ready) = cluster.nodes[1].agent(&cluster.owner).await;
    assert!(
        ready["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == conversation.as_str()),
        "{ready}"
    );
    // The shopper's socket on node 0 stayed open; its retry is stored once…
    let until_stored = tokio::time::Instant::now() + DEADLINE;
    loop {
        shopper
            .send(json!({ "type": "message", "client_msg_id": "s2", "text": "during the blip" }))
            .await;
        let answer = until(&mut shopper, "an answer to the retry", |f| {
            f["type"] == "ack" || f["type"] == "error"
        })
        .await;
        if answer["type"] == "ack" {
            break;
        }
        assert!(
            tokio::time::Instant::now() < until_stored,
            "never stored: {answer}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // …and it hears the agent on node 1 again, with no node restarted.
    agent
        .send(json!({ "type": "message", "conversation_id": conversation,
                      "client_msg_id": "a2", "text": "agent after the blip" }))
        .await;
    until(&mut shopper, "the agent's message after the blip", |f| {
        f["type"] == "message" && f["text"] == "agent after the blip"
    })
    .await;
    let texts = cluster.stored_texts(2, &conversation).await;
    for text in [
        "before the blip",
        "agent before the blip",
        "during the blip",
        "agent after the blip",
    ] {
        assert_eq!(
            texts.iter().filter(|t| **t == text).count(),
            1,
            "{text}: {texts:?}"
        );
    }
}

#[tokio::test]
async fn a_once_per_visitor_rule_stays_once_when_the_shopper_moves_between_nodes() {
    let cluster = Cluster::start(RedisServer::start().await).await;
    // A generous site budget, so only the rule's own frequency can hold the second firing.
    cluster
        .put(
            0,
            "/trigger-settings",
            json!({ "fatigue_max": 10, "fatigue_window_secs": 3600,
                                            "attribution_window_secs": 604800 }),
        )
        .await;
    let created = cluster
        .http
        .post(cluster.site_url(0, "/rules"))
        .bearer_auth(&cluster.owner)
        .json(&json!({
            "name": "Sale hello",
            "when": ["page_view"],
            "conditions": { "all": [{ "fact": "page.path", "op": "contains", "value": "/sale" }] },
            "actions": [{ "type": "message", "text": "Sale today!" }],
            "frequency": { "once_per": "visitor" }
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let page = |path: &str| json!({ "url": format!("{}{path}", cluster.site.origin) });

    let mut shopper = cluster.nodes[1].shopper(&cluster.site).await;
    let welcome = shopper
        .hello(json!({ "page": page("/sale/jackets") }))
        .await;
    let first = until(&mut shopper, "the rule's message", |f| {
        f["type"] == "message" && f["text"] == "Sale today!"
    })
    .await;
    shopper.close().await;
    // Resuming tabs have seen it: only a new firing would bring it again.
    let mut seen_up_to = serde_json::Map::new();
    seen_up_to.insert(
        first["conversation_id"].as_str().unwrap().to_owned(),
        first["seq"].clone(),
    );

    for node in [2, 0] {
        let mut shopper = cluster.nodes[node].shopper(&cluster.site).await;
        shopper
            .hello(
                json!({ "visitor_id": welcome["visitor_id"], "session": welcome["session"],
                           "last_seq": seen_up_to, "page": page("/sale/boots") }),
            )
            .await;
        shopper
            .send(json!({ "type": "event", "name": "page_view",
                          "props": { "url": format!("{}/sale/scarves", cluster.site.origin) } }))
            .await;
        let seen = shopper.drain().await;
        let again = seen
            .iter()
            .filter(|f| f["type"] == "message" && f["text"] == "Sale today!")
            .count();
        assert_eq!(again, 0, "node {node} showed the rule again: {seen:?}");
        shopper.close().await;
    }
}

#[tokio::test]
async fn a_node_told_to_stop_sends_its_sockets_elsewhere_and_exits_cleanly() {
    let mut cluster = Cluster::start(RedisServer::start().await).await;
    let (mut agent, _) = cluster.nodes[0].agent(&cluster.owner).await;
    let mut shopper = cluster.nodes[0].shopper(&cluster.site).await;
    let welcome = shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "s1", "text": "before the stop" }))
        .await;
    let (ack, _) = shopper.recv_type("ack").await;
    let conversation = ack["conversation_id"].as_str().unwrap().to_owned();

    // SIGTERM, as an orchestrator stops a node (by pid).
    let pid = cluster.nodes[0].child.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(sent.success());
    for socket in [&mut shopper, &mut agent] {
        let close = socket.closed().await.expect("a close frame");
        assert_eq!(
            u16::from(close.code),
            1012,
            "retryable: reconnect elsewhere ({close:?})"
        );
    }
    let until = tokio::time::Instant::now() + DEADLINE;
    let status = loop {
        if let Some(status) = cluster.nodes[0].child.try_wait().unwrap() {
            break status;
        }
        assert!(tokio::time::Instant::now() < until, "the node did not exit");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert!(status.success(), "a clean exit: {status}");

    // The shopper goes on on another node with what it had.
    let mut shopper = cluster.nodes[1].shopper(&cluster.site).await;
    shopper
        .hello(json!({ "visitor_id": welcome["visitor_id"], "session": welcome["session"] }))
        .await;
    let replayed = until_message(&mut shopper, "before the stop").await;
    assert_eq!(replayed["conversation_id"], conversation.as_str());
}

async fn until_message(socket: &mut Shopper, text: &str) -> Value {
    until(socket, text, |f| {
        f["type"] == "message" && f["text"] == text
    })
    .await
}

#[tokio::test]
async fn when_an_agents_node_dies_its_chats_go_back_to_the_queue() {
    let mut cluster = Cluster::start(RedisServer::start().await).await;
    let RoutedChat {
        // Held, not dropped: the agent stays connected until its node dies.
        agent: _agent,
        mut shopper,
        conversation,
        ..
    } = cluster.routed_chat("Hello").await;
    until(&mut shopper, "assigned", |f| {
        f["type"] == "status" && f["state"] == "assigned"
    })
    .await;

    // The agent's node dies without a word. The others stop hearing its heartbeat, forget
    // it (15 s), wait out the agent's grace period (2 s here) and requeue the chat.
    cluster.nodes[1].kill();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(40);
    loop {
        let transcript = cluster
            .get(2, &format!("/conversations/{conversation}/transcript"))
            .await;
        if transcript["conversation"]["state"] == "queued" {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the chat stayed with the vanished agent: {}",
            transcript["conversation"]
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    // The shopper, still connected to node 0, was told (nobody else is online).
    let seen = shopper.drain().await;
    assert!(
        seen.iter()
            .any(|f| f["type"] == "status" && f["state"] == "queued" && f["nobody_online"] == true),
        "no 'queued, nobody online' status among {seen:?}"
    );
}

#[tokio::test]
async fn set_up_commands_with_redis_make_a_site_every_node_serves() {
    let cluster = Cluster::start(RedisServer::start().await).await;
    let data = tempfile::TempDir::new().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_shopchat"))
        .arg("--data-dir")
        .arg(data.path())
        .args([
            "--redis",
            &cluster.redis.url(),
            "--redis-prefix",
            &cluster.prefix,
        ])
        .args([
            "site",
            "create",
            "--name",
            "Boots & Co",
            "--origin",
            "https://boots.example",
        ])
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let site: Value = serde_json::from_slice(&out.stdout).unwrap();
    let boots = Site {
        id: site["id"].as_str().unwrap().to_owned(),
        key: site["public_key"].as_str().unwrap().to_owned(),
        origin: "https://boots.example".into(),
    };
    for node in &cluster.nodes {
        let mut shopper = node.shopper(&boots).await;
        let welcome = shopper.hello(json!({})).await;
        assert!(welcome["visitor_id"].is_string(), "{welcome}");
    }
    // The SQLite file was not made: the command worked on Redis only.
    assert_eq!(std::fs::read_dir(data.path()).unwrap().count(), 0);
}
