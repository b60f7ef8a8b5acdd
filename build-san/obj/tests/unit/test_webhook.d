build-san/obj/tests/unit/test_webhook.o: tests/unit/test_webhook.c \
 include/retour/connector.h include/retour/store.h \
 include/retour/returns.h include/retour/outbox.h
include/retour/connector.h:
include/retour/store.h:
include/retour/returns.h:
include/retour/outbox.h:
