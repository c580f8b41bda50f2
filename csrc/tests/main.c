#include "check.h"

int check_passed, check_failed;

int main(void)
{
    test_datetime();
    test_datetime_against_reference();
    test_state_and_keys();
    test_json_write();
    test_mp_write();
    test_json_read();
    test_mp_read();
    test_arrays();
    test_member_order();
    test_pages();
    test_excerpt();
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed ? 1 : 0;
}
