//! One customer on two devices: a customer the shop identifies chats on their phone, then
//! opens the shop on their laptop (another browser, another profile) identified as the same
//! customer, and sees the earlier messages there; what they write on the laptop appears on
//! the phone.

use crate::support::{Browser, Scene, shop_page};
use serde_json::{Value, json};
use shopchat::auth::identity_hash;

#[tokio::test]
async fn a_customer_sees_on_their_laptop_what_they_wrote_on_their_phone() {
    let scene = Scene::new(390).await;
    let site: Value = scene
        .chat
        .get_json(
            &format!("/api/v1/sites/{}", scene.chat.seed.site_id),
            &scene.token,
        )
        .await;
    let secret = site["identity_secret"].as_str().unwrap();
    // The shop's account page identifies its logged-in customer, the hash computed server-side.
    let identify = format!(
        "<script>window.shopchat=window.shopchat||function(){{(shopchat.q=shopchat.q||[]).push(arguments)}};\
         shopchat('identify', {});</script>",
        json!({ "id": "c-1001", "name": "Eva", "hash": identity_hash(secret, "c-1001") })
    );
    scene.shop.page(
        "/account",
        shop_page(&scene.chat, &identify, "<p>Your account</p>"),
    );
    let (mut agent, _) = scene.chat.agent(&scene.token).await;

    // The phone: the customer asks a person and is answered.
    let phone = &scene.browser;
    scene.visit("/account").await;
    phone.open_chat().await;
    phone.ask_for_a_person().await;
    let routed = agent
        .until_named("the customer's chat routed to the agent", |f| {
            f["type"] == "routed"
        })
        .await;
    let conversation = routed["conversation_id"].as_str().unwrap().to_owned();
    phone.say("Do you have the jacket in blue?").await;
    phone.message("shopper", "jacket in blue").await;
    agent
        .send(json!({ "type": "message", "conversation_id": conversation,
            "client_msg_id": "reply-1", "text": "Yes, blue is in stock in every size." }))
        .await;
    phone.message("agent", "blue is in stock").await;

    // The laptop: another browser, the same customer. The earlier messages are there.
    let laptop = Browser::start(1280).await;
    laptop.goto(&scene.shop.url("/account")).await;
    laptop.open_chat().await;
    laptop.message("shopper", "jacket in blue").await;
    laptop.message("agent", "blue is in stock").await;
    // The laptop's visitor is its own: nothing of the customer is kept in its storage.
    let key = json!(format!("shopchat:{}", scene.chat.seed.public_key));
    let script = format!("const v = localStorage.getItem({key}); return v && JSON.parse(v).vid;");
    let phone_vid = phone.wait_for("the phone's visitor id", &script).await;
    let laptop_vid = laptop.wait_for("the laptop's visitor id", &script).await;
    assert_ne!(phone_vid, laptop_vid);

    // The conversation goes on from the laptop, and the phone sees it live.
    laptop.say("Great, I'll order it now.").await;
    laptop.message("shopper", "order it now").await;
    phone.message("shopper", "order it now").await;
    agent
        .send(json!({ "type": "message", "conversation_id": conversation,
            "client_msg_id": "reply-2", "text": "Thanks, Eva!" }))
        .await;
    laptop.message("agent", "Thanks, Eva").await;
    phone.message("agent", "Thanks, Eva").await;
    assert!(
        laptop.errors().await.is_empty(),
        "{:?}",
        laptop.errors().await
    );
    laptop.close().await;
    scene.finish().await;
}
