//! Layering order, reading the file, and each check naming its setting.

use super::*;

#[test]
fn flags_win_over_file_and_file_over_defaults() {
    let cli = SettingsArgs {
        bind: Some("0.0.0.0:1".into()),
        ..Default::default()
    };
    let file = SettingsArgs {
        bind: Some("0.0.0.0:2".into()),
        max_message_chars: Some(10),
        ..Default::default()
    };
    let s = Settings::resolve(cli, file).unwrap();
    assert_eq!(s.bind, "0.0.0.0:1");
    assert_eq!(s.limits.max_message_chars, 10);
    assert_eq!(s.limits.max_frame_bytes, 16 * 1024);
}

#[test]
fn a_named_file_is_read_and_must_exist() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("shopchat.toml");
    std::fs::write(&path, "bind = \"0.0.0.0:9000\"\nrate_burst = 7\n").unwrap();
    let file = SettingsArgs::from_file(Some(&path)).unwrap();
    let s = Settings::resolve(SettingsArgs::default(), file).unwrap();
    assert_eq!((s.bind.as_str(), s.limits.rate_burst), ("0.0.0.0:9000", 7));
    let missing = SettingsArgs::from_file(Some(&dir.path().join("nope.toml")));
    assert!(matches!(missing, Err(ConfigError::Read { .. })));
    std::fs::write(&path, "rate_burst = \"many\"").unwrap();
    let bad = SettingsArgs::from_file(Some(&path));
    assert!(
        matches!(bad, Err(ConfigError::Parse { ref message, .. }) if message.contains("rate_burst"))
    );
}

#[test]
fn redis_settings_are_checked_and_name_the_setting() {
    let s = Settings::resolve(SettingsArgs::default(), SettingsArgs::default()).unwrap();
    assert_eq!((s.redis_url, s.redis_prefix.as_str()), (None, "shopchat:"));
    let file = toml::from_str::<SettingsArgs>(
        "redis_url = \"redis://:pw@cache.internal:6380/2\"\nredis_prefix = \"shop-a:\"",
    )
    .unwrap();
    let s = Settings::resolve(SettingsArgs::default(), file).unwrap();
    assert_eq!(
        s.redis_url.as_deref(),
        Some("redis://:pw@cache.internal:6380/2")
    );
    assert_eq!(s.redis_prefix, "shop-a:");
    for url in [
        "localhost:6379",
        "http://cache:6379",
        "redis://cache:notaport",
    ] {
        let bad = SettingsArgs {
            redis_url: Some(url.into()),
            ..Default::default()
        };
        let err = Settings::resolve(bad, SettingsArgs::default()).unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::Invalid {
                    field: "redis_url",
                    ..
                }
            ),
            "{url}: {err}"
        );
        assert!(err.to_string().contains("redis_url"), "{err}");
    }
    for prefix in ["", "has space", "glob*"] {
        let bad = SettingsArgs {
            redis_prefix: Some(prefix.into()),
            ..Default::default()
        };
        assert!(matches!(
            Settings::resolve(bad, SettingsArgs::default()),
            Err(ConfigError::Invalid {
                field: "redis_prefix",
                ..
            })
        ));
    }
}

#[test]
fn file_rejects_unknown_keys_and_bad_ranges() {
    assert!(toml::from_str::<SettingsArgs>("bnd = \"x\"").is_err());
    let bad = SettingsArgs {
        max_frame_bytes: Some(10),
        ..Default::default()
    };
    assert!(matches!(
        Settings::resolve(bad, SettingsArgs::default()),
        Err(ConfigError::Invalid {
            field: "max_frame_bytes",
            ..
        })
    ));
}
