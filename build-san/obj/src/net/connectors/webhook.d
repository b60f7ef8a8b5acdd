build-san/obj/src/net/connectors/webhook.o: src/net/connectors/webhook.c \
 include/retour/connector.h include/retour/store.h \
 include/retour/returns.h
include/retour/connector.h:
include/retour/store.h:
include/retour/returns.h:
