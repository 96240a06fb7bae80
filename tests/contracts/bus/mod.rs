//! The bus contract: what every `Bus` must do, checked through real hubs with fake sockets
//! registered the way the WebSocket sessions register theirs. Run against `MemoryBus` (one
//! node: "both nodes" are the same hub) and `RedisBus` (two nodes, two hubs, one real
//! redis-server). Plus what only Redis can get wrong: a restarted Redis, a stopped Redis.
//!
//! "Did not receive" is shown without sleeping: after the event under test, the same node
//! publishes a marker the socket does get; pub/sub keeps one publisher's order, so the
//! marker arriving first proves the event never will.

/// Runs each named behaviour (an `async fn(&Node, &Node)` of the calling module) on each bus,
/// as the tests `memory::<behaviour>` and `redis::<behaviour>`: on the local bus with one
/// node as both; on Redis across two nodes, with each node alone, and across both again
/// once they are back after a Redis restart.
macro_rules! bus_contract {
    ($($behaviour:ident),+ $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $behaviour() {
                    let node = crate::bus::fakes::memory_node();
                    crate::bus::fakes::assert_up(&node, &node);
                    super::$behaviour(&node, &node).await;
                }
            )+
        }

        mod redis {
            $(
                #[tokio::test]
                async fn $behaviour() {
                    let mut pair = crate::bus::fakes::RedisPair::start().await;
                    crate::bus::fakes::assert_up(&pair.a, &pair.b);
                    super::$behaviour(&pair.a, &pair.b).await;
                    // And each node on its own, as the only node.
                    super::$behaviour(&pair.a, &pair.a).await;
                    // A restart in between changes nothing, once both nodes are subscribed again.
                    pair.restart().await;
                    super::$behaviour(&pair.a, &pair.b).await;
                }
            )+
        }
    };
}

mod delivery;
mod fakes;
mod redis;
