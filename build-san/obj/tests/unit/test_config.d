build-san/obj/tests/unit/test_config.o: tests/unit/test_config.c \
 include/retour/config.h include/retour/rules.h include/retour/returns.h
include/retour/config.h:
include/retour/rules.h:
include/retour/returns.h:
