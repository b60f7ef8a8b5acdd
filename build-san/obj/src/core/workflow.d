build-san/obj/src/core/workflow.o: src/core/workflow.c \
 include/retour/workflow.h include/retour/checklist.h \
 include/retour/returns.h include/retour/code.h include/retour/rules.h
include/retour/workflow.h:
include/retour/checklist.h:
include/retour/returns.h:
include/retour/code.h:
include/retour/rules.h:
