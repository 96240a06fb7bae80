//! The commented default config file `shopchat config default` prints.
//!
//! It is generated, not written by hand, so it cannot drift from the server: the settings and
//! their one-line comments come from the clap definition of [`SettingsArgs`] (the same
//! definition that reads the file), and each value from [`Settings::default`], the defaults
//! the server resolves from. A setting that is off by default, or computed at start (the
//! number of cores, a generated secret), is printed commented out with an example value.
//! The unit tests check every setting is listed and that the printed file, read back, gives
//! the default settings.

use super::{LogFormat, Settings, SettingsArgs};
use toml::Value;

/// One setting's line: its default value, or an example for one that has none.
enum Line {
    /// Printed as `key = value`: what the server uses when the setting is not given.
    Default(Value),
    /// Printed commented out: the setting is off or computed at start; the text is an
    /// example value in TOML.
    Example(&'static str),
}

/// Milliseconds as TOML's integer.
fn ms(d: std::time::Duration) -> Line {
    int(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn int(n: impl TryInto<i64>) -> Line {
    Line::Default(Value::Integer(n.try_into().unwrap_or(i64::MAX)))
}

fn text(s: &str) -> Line {
    Line::Default(Value::String(s.to_owned()))
}

/// Each setting's line, by its file key, from the server's own defaults.
fn lines(d: &Settings) -> Vec<(&'static str, Line)> {
    use Line::Example;
    let (l, g, m, a) = (&d.limits, &d.guards, &d.mail, &d.ai);
    vec![
        ("bind", text(&d.bind)),
        ("data_dir", text(&d.data_dir.to_string_lossy())),
        ("public_url", Example("\"https://chat.example.com\"")),
        (
            "log_format",
            text(match d.log_format {
                LogFormat::Human => "human",
                LogFormat::Json => "json",
            }),
        ),
        ("jwt_secret", Example("\"at least 32 random characters\"")),
        ("jwt_issuer", text(&d.jwt_issuer)),
        ("jwt_audience", text(&d.jwt_audience)),
        ("token_ttl_secs", int(d.token_ttl_secs)),
        ("max_frame_bytes", int(l.max_frame_bytes)),
        ("max_message_chars", int(l.max_message_chars)),
        ("rate_per_sec", int(l.rate_per_sec)),
        ("rate_burst", int(l.rate_burst)),
        ("rate_strikes", int(l.rate_strikes)),
        ("outbox_capacity", int(l.outbox_capacity)),
        ("ping_interval_ms", ms(l.ping_interval)),
        ("idle_timeout_ms", ms(l.idle_timeout)),
        ("agent_grace_ms", ms(l.agent_grace)),
        (
            "allow_http_webhooks",
            Line::Default(Value::Boolean(d.allow_http_webhooks)),
        ),
        ("webhook_retry_ms", ms(d.webhook_retry)),
        ("workers", Example("4")),
        ("redis_url", Example("\"redis://127.0.0.1:6379/\"")),
        ("redis_prefix", text(&d.redis_prefix)),
        ("hello_timeout_ms", ms(g.hello_timeout)),
        (
            "max_pending_sockets_per_addr",
            int(g.max_pending_sockets_per_addr),
        ),
        ("trusted_proxies", Line::Default(Value::Array(Vec::new()))),
        ("session_ttl_days", int(g.session_ttl.as_secs() / 86_400)),
        (
            "new_visitors_per_addr_per_min",
            int(g.new_visitors_per_addr_per_min),
        ),
        (
            "new_conversations_per_addr_per_min",
            int(g.new_conversations_per_addr_per_min),
        ),
        ("password_jobs", Example("4")),
        ("login_per_addr_per_min", int(g.login_per_addr_per_min)),
        (
            "login_per_email_addr_per_min",
            int(g.login_per_email_addr_per_min),
        ),
        ("login_per_email_per_min", int(g.login_per_email_per_min)),
        ("idle_sweep_ms", ms(l.idle_sweep)),
        ("smtp_host", Example("\"smtp.example.com\"")),
        ("smtp_port", Example("587")),
        ("smtp_tls", Example("\"starttls\"")),
        ("smtp_user", Example("\"shopchat@example.com\"")),
        ("smtp_password", Example("\"…\"")),
        ("smtp_ca_file", Example("\"/etc/shopchat/smtp-ca.pem\"")),
        ("mail_from", Example("\"Shop chat <chat@shop.example>\"")),
        ("mail_from_domains", Example("[\"shop.example\"]")),
        ("mail_reply_address", Example("\"reply@chat.example.com\"")),
        ("dkim_domain", Example("\"shop.example\"")),
        ("dkim_selector", Example("\"shopchat\"")),
        ("dkim_key_file", Example("\"/etc/shopchat/dkim.pem\"")),
        ("imap_host", Example("\"imap.example.com\"")),
        ("imap_port", Example("993")),
        ("imap_tls", Example("\"tls\"")),
        ("imap_user", Example("\"reply@chat.example.com\"")),
        ("imap_password", Example("\"…\"")),
        ("imap_ca_file", Example("\"/etc/shopchat/imap-ca.pem\"")),
        ("imap_mailbox", text(&m.imap_mailbox)),
        ("imap_poll_ms", ms(m.imap_poll)),
        (
            "inbound_mail_secret",
            Example("\"at least 24 random characters\""),
        ),
        ("max_inbound_mail_bytes", int(m.max_inbound_bytes)),
        ("mail_retry_ms", ms(m.retry)),
        ("mail_outbox_poll_ms", ms(m.outbox_poll)),
        ("ai_base_url", Example("\"http://127.0.0.1:11434/v1\"")),
        ("ai_model", Example("\"llama3.1\"")),
        ("ai_api_key", Example("\"sk-…\"")),
        ("ai_timeout_ms", ms(a.timeout)),
        ("ai_max_concurrent", int(a.max_concurrent)),
        ("ai_daily_requests", int(a.daily_requests)),
    ]
    .into_iter()
    .chain(file_lines())
    .collect()
}

/// The attachments' back end: the data dir by default, the bucket's settings and the
/// virus scanner (Debian's clamd socket) as examples.
fn file_lines() -> Vec<(&'static str, Line)> {
    use Line::Example;
    vec![
        ("files_backend", text("data_dir")),
        (
            "files_s3_endpoint",
            Example("\"https://s3.eu-central-1.amazonaws.com\""),
        ),
        ("files_s3_bucket", Example("\"shopchat-files\"")),
        ("files_s3_region", text("us-east-1")),
        ("files_s3_access_key_id", Example("\"AKIA…\"")),
        ("files_s3_secret_access_key", Example("\"…\"")),
        ("files_s3_allow_http", Line::Default(Value::Boolean(false))),
        ("files_clamd", Example("\"/run/clamav/clamd.ctl\"")),
    ]
}

/// Every setting in the order `--help` lists them: its file key, help text, flag and variable.
fn settings_in_order() -> Vec<(String, String, String, String)> {
    let command = <SettingsArgs as clap::Args>::augment_args(clap::Command::new("shopchat"));
    command
        .get_arguments()
        .map(|arg| {
            let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
            let flag = arg.get_long().map(|l| format!("--{l}")).unwrap_or_default();
            let env = arg
                .get_env()
                .map(|e| e.to_string_lossy().into_owned())
                .unwrap_or_default();
            (arg.get_id().to_string(), help, flag, env)
        })
        .collect()
}

/// `help` without its `[default: …]` note, when the line below states the value.
fn without_default_note(help: &str) -> &str {
    help.find(" [default:")
        .map_or(help, |at| &help[..at])
        .trim()
}

/// The commented default config file, every setting with its default or an example.
pub fn default_config_file() -> String {
    let defaults = Settings::default();
    let lines = lines(&defaults);
    let mut out = format!(
        "# shopchat {} configuration: every setting, at its default.\n\
         # Save as shopchat.toml in the directory the server starts in, or name the file with\n\
         # --config / SHOPCHAT_CONFIG. Environment variables and flags override the file.\n\
         # A commented-out setting is off, or computed at start; its value is an example.\n\
         # Check a file without starting the server: shopchat config check --config FILE\n",
        env!("CARGO_PKG_VERSION")
    );
    for (key, help, flag, env) in settings_in_order() {
        let line = lines.iter().find(|(k, _)| *k == key).map(|(_, l)| l);
        out.push('\n');
        match line {
            Some(Line::Default(value)) => {
                out.push_str(&format!(
                    "# {}  ({flag}, {env})\n{key} = {value}\n",
                    without_default_note(&help)
                ));
            }
            Some(Line::Example(example)) => {
                out.push_str(&format!("# {help}  ({flag}, {env})\n# {key} = {example}\n"));
            }
            None => {
                out.push_str(&format!("# {help}  ({flag}, {env})\n# {key} =\n"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_has_a_line_and_every_line_is_a_setting() {
        let keys: Vec<String> = settings_in_order().into_iter().map(|s| s.0).collect();
        let listed: Vec<&str> = lines(&Settings::default()).iter().map(|l| l.0).collect();
        for key in &keys {
            assert!(
                listed.contains(&key.as_str()),
                "`{key}` has no default line"
            );
        }
        for key in &listed {
            assert!(keys.iter().any(|k| k == key), "`{key}` is not a setting");
        }
        let text = default_config_file();
        for key in &keys {
            assert!(
                text.lines().any(|l| l.starts_with(&format!("{key} = "))
                    || l.starts_with(&format!("# {key} = "))),
                "`{key}` missing from the printed file"
            );
        }
    }

    #[test]
    fn the_printed_file_reads_back_as_the_default_settings() {
        let text = default_config_file();
        let file: SettingsArgs = toml::from_str(&text).unwrap();
        let read = Settings::resolve(SettingsArgs::default(), file).unwrap();
        assert_eq!(format!("{read:?}"), format!("{:?}", Settings::default()));
        // Not vacuous: a value in the file does reach the settings.
        let changed = text.replace("rate_burst = 40", "rate_burst = 41");
        let file: SettingsArgs = toml::from_str(&changed).unwrap();
        let read = Settings::resolve(SettingsArgs::default(), file).unwrap();
        assert_eq!(read.limits.rate_burst, 41);
    }

    #[test]
    fn each_example_is_valid_toml_of_the_settings_type() {
        // Uncommenting any example line gives a file the server reads.
        for (key, line) in lines(&Settings::default()) {
            if let Line::Example(example) = line {
                let parsed: Result<SettingsArgs, _> = toml::from_str(&format!("{key} = {example}"));
                assert!(parsed.is_ok(), "`{key} = {example}`: {parsed:?}");
            }
        }
    }
}
