build-san/obj/tests/unit/test_expected_json.o: \
 tests/unit/test_expected_json.c include/retour/civil_time.h \
 include/retour/expected_json.h include/retour/returns.h \
 include/retour/rules.h
include/retour/civil_time.h:
include/retour/expected_json.h:
include/retour/returns.h:
include/retour/rules.h:
