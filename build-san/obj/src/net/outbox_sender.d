build-san/obj/src/net/outbox_sender.o: src/net/outbox_sender.c \
 include/retour/connector.h include/retour/store.h \
 include/retour/returns.h include/retour/http.h include/retour/outbox.h
include/retour/connector.h:
include/retour/store.h:
include/retour/returns.h:
include/retour/http.h:
include/retour/outbox.h:
