build-san/obj/tests/unit/test_outbox_sender.o: \
 tests/unit/test_outbox_sender.c include/retour/connector.h \
 include/retour/store.h include/retour/returns.h include/retour/outbox.h
include/retour/connector.h:
include/retour/store.h:
include/retour/returns.h:
include/retour/outbox.h:
