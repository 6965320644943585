//! The test stacks' databases: a fresh PostgreSQL database for a stack that runs on one, and a
//! connection to a stack's own database for reading what the endpoint wrote.

use super::TestStack;
use deskflow_infra::Store;

pub fn fresh_postgres_database(base: &str) -> String {
    // called from inside a test's runtime: create the database on a thread with its own
    let base = base.to_string();
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(deskflow_infra::store::scratch::create_scratch_database(
                &base,
                "deskflow_journeys",
            ))
            .expect("TEST_DATABASE_URL answers")
    })
    .join()
    .unwrap()
}

impl TestStack {
    pub async fn store(&self) -> Store {
        Store::connect(&self.info.database_url, 2).await.unwrap()
    }
}
