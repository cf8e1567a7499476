# The live daemon (issue 13): end to end over a veth pair between two network namespaces, and
# a full disk; live.compare: -i with --compare against a dump of the sensor's own first pass
# over the same TLS traffic, with planted differences (issue 14). They need root and
# `ip netns`; they print SKIP with the reason and exit 77 (CTest "Skipped") when they cannot run.
add_test(NAME live.e2e
         COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/tools/live_e2e.py $<TARGET_FILE:zertsensor>
                 ${CMAKE_SOURCE_DIR})
set_tests_properties(live.e2e PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120 RESOURCE_LOCK netns)
add_test(NAME live.diskfull
         COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/tools/live_diskfull.py $<TARGET_FILE:zertsensor>)
set_tests_properties(live.diskfull PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 60 RESOURCE_LOCK netns)
add_test(NAME live.compare
         COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/tools/live_compare.py $<TARGET_FILE:zertsensor>
                 ${CMAKE_SOURCE_DIR})
set_tests_properties(live.compare PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 90 RESOURCE_LOCK netns)
# Logging to syslog with -D: the daemon in a mount namespace whose /dev/log is the test's socket
# (syslog(3) always writes there), capturing on the loopback of its own network namespace.
add_test(NAME live.syslog
         COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/tools/live_syslog.py $<TARGET_FILE:zertsensor>)
set_tests_properties(live.syslog PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 60)
