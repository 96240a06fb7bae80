//! Throw-away TLS certificates for the tests' own servers (the SMTP relay, the IMAP mailbox):
//! a CA and a certificate it signed for `localhost` and `127.0.0.1`, made by `openssl` in a
//! directory the test owns. The server under test trusts the CA through its `*_ca_file`
//! setting, as a shop with a private CA would configure it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The files [`make_certificates`] wrote.
pub struct Certificates {
    /// The CA's certificate (PEM): what the server under test is told to trust.
    pub ca: PathBuf,
    /// The server's certificate (PEM).
    pub cert: PathBuf,
    /// The server's private key (PEM).
    pub key: PathBuf,
}

/// Makes a CA and a server certificate it signed in `dir`.
pub fn make_certificates(dir: &Path) -> Certificates {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("run openssl (apt-get install openssl)");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let days = ["-days", "2"];
    run(&[
        &[
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
        ][..],
        &["-out", "ca.pem", "-subj", "/CN=shopchat test CA"],
        &days,
    ]
    .concat());
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
         extendedKeyUsage=serverAuth\n",
    )
    .expect("write ext.cnf");
    run(&[
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
        ][..],
        &[
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-extfile",
            "ext.cnf",
        ],
        &days,
    ]
    .concat());
    Certificates {
        ca: dir.join("ca.pem"),
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
    }
}
