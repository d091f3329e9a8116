//! The runner for test binaries that re-execute themselves as sandbox workers (`harness =
//! false`): the crate's own [`ffiguard_sandbox::testing`].

pub(crate) use ffiguard_sandbox::testing::run;
