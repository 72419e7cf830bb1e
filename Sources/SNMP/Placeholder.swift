enum _SNMPPlaceholder {}
