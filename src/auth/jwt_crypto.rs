//! jsonwebtoken's cryptography for the one algorithm shopchat signs and accepts, HS256, on the
//! RustCrypto `hmac` and `sha2` the server uses anyway. The crate's own `rust_crypto` backend
//! would bring RSA, elliptic-curve and Ed25519 code that agents' tokens never need; with this
//! provider any other algorithm is refused before any key is read.

use hmac::KeyInit;
use hmac::{Hmac, Mac};
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{ErrorKind, Result};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use sha2::Sha256;

/// HMAC-SHA256, keyed once per token operation.
struct Hs256(Hmac<Sha256>);

impl Hs256 {
    fn keyed(secret: &[u8]) -> Result<Hs256> {
        Hmac::<Sha256>::new_from_slice(secret)
            .map(Hs256)
            .map_err(|_| ErrorKind::InvalidKeyFormat.into())
    }
}

impl signature::Signer<Vec<u8>> for Hs256 {
    fn try_sign(&self, message: &[u8]) -> std::result::Result<Vec<u8>, signature::Error> {
        let mut mac = self.0.clone();
        mac.update(message);
        Ok(mac.finalize().into_bytes().to_vec())
    }
}

impl JwtSigner for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

impl signature::Verifier<Vec<u8>> for Hs256 {
    fn verify(
        &self,
        message: &[u8],
        signature: &Vec<u8>,
    ) -> std::result::Result<(), signature::Error> {
        let mut mac = self.0.clone();
        mac.update(message);
        // Constant-time comparison (hmac's `verify_slice`).
        mac.verify_slice(signature)
            .map_err(signature::Error::from_source)
    }
}

impl JwtVerifier for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

fn signer(algorithm: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>> {
    if *algorithm != Algorithm::HS256 {
        return Err(ErrorKind::InvalidAlgorithm.into());
    }
    Ok(Box::new(Hs256::keyed(key.as_bytes())?))
}

fn verifier(algorithm: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
    if *algorithm != Algorithm::HS256 {
        return Err(ErrorKind::InvalidAlgorithm.into());
    }
    Ok(Box::new(Hs256::keyed(key.try_get_as_bytes()?)?))
}

static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: signer,
    verifier_factory: verifier,
    key_utils: KeyUtils::new_unimplemented(),
};

/// Makes this the process's provider. Safe to call again (tests start many servers in one
/// process): the first call installs it and later ones find it there.
pub(crate) fn install() {
    let _ = PROVIDER.install_default();
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};

    #[test]
    fn hs256_round_trips_and_other_algorithms_are_refused() {
        super::install();
        let claims = serde_json::json!({ "sub": "ag_1", "exp": 4_102_444_800u64 });
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(b"k").unwrap(),
        )
        .unwrap();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.required_spec_claims.clear();
        let decoded = jsonwebtoken::decode::<serde_json::Value>(
            &token,
            &DecodingKey::from_secret(b"k").unwrap(),
            &validation,
        )
        .unwrap();
        assert_eq!(decoded.claims["sub"], "ag_1");
        assert!(
            jsonwebtoken::decode::<serde_json::Value>(
                &token,
                &DecodingKey::from_secret(b"other").unwrap(),
                &validation
            )
            .is_err()
        );
        assert!(
            jsonwebtoken::encode(
                &Header::new(Algorithm::HS384),
                &claims,
                &EncodingKey::from_secret(b"k").unwrap()
            )
            .is_err()
        );
    }
}
