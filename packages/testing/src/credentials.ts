/** The credentials the test harnesses configure: one producer key, control's credential, the admin token. */
export const TEST_PRODUCER_KEY = 'mc_test_producer_key_0123456789abcdef';
export const TEST_CONTROL_KEY = 'mc_test_control_key_0123456789abcdef';
export const TEST_ADMIN_TOKEN = 'mc_test_admin_token_0123456789abcdef';
