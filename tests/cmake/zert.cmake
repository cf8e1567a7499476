# zERT event and aggregation rules on real captures (tests/tools/zert_events.py).
add_test(NAME zert.events
         COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/tools/zert_events.py $<TARGET_FILE:zertsensor>
                 ${CMAKE_SOURCE_DIR} ${ZS_CORPUS})
# Every corpus capture: zertdump DIR/zert.smf reproduces DIR/records.jsonl (tests/tools/zert_roundtrip.py).
add_test(NAME zert.roundtrip
         COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/tools/zert_roundtrip.py $<TARGET_FILE:zertsensor>
                 $<TARGET_FILE:zertdump> ${ZS_CORPUS})
set_tests_properties(zert.roundtrip PROPERTIES TIMEOUT 1200)
