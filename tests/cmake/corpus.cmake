# Every corpus capture: no sanitizer report, no hang; corrupt and truncated input handled.
add_test(NAME corpus.sweep
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/tools/corpus_sweep.sh $<TARGET_FILE:zertsensor>
                 ${ZS_CORPUS})
set_tests_properties(corpus.sweep PROPERTIES TIMEOUT 1200)
