build-san/obj/src/api/server.o: src/api/server.c include/retour/api.h \
 include/retour/config.h include/retour/rules.h include/retour/returns.h \
 include/retour/station.h include/retour/store.h \
 include/retour/workflow.h include/retour/checklist.h \
 include/retour/code.h
include/retour/api.h:
include/retour/config.h:
include/retour/rules.h:
include/retour/returns.h:
include/retour/station.h:
include/retour/store.h:
include/retour/workflow.h:
include/retour/checklist.h:
include/retour/code.h:
