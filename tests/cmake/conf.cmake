# Configuration files refused whole with file:line and exit 2, never read cut
# (tests/tools/conf_errors.sh makes each file).
add_test(NAME conf.errors
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/tools/conf_errors.sh $<TARGET_FILE:zertsensor>
                 ${CMAKE_SOURCE_DIR}/pcaps/quickstart.pcap)
