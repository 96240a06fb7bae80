//! Who is calling: agents and owners log in with a password and carry a JWT; shoppers carry a
//! session token signed by the server and bound to one site and one visitor.

mod identity;
mod jwt;
mod jwt_crypto;
mod password;
mod session_token;

pub use identity::{Identity, identity_hash, verify_identity};
pub use jwt::{Claims, JwtError, JwtKeys};
pub use password::{
    MAX_PASSWORD_LEN, PasswordError, PasswordJob, PasswordJobs, check_new_password,
    generate_password, hash_password, verify_password,
};
pub use session_token::{SessionError, SessionKey};
