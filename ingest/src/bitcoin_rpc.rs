//! Bitcoin Core JSON-RPC source (bitcoin, litecoin, dogecoin, bitcoin-cash,
//! dash, zcash).
