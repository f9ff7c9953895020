//! Root: declarations are not imports.
pub mod a;
pub mod b;
pub mod c;
pub mod d;
pub mod g;
