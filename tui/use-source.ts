import { useEffect, useMemo, useSyncExternalStore } from "react";
import type { DataSource } from "./source.ts";
import { type TuiState, createTuiModel } from "./tui-model.ts";

/** Subscribes to a data source for the life of the component and returns the screen's state. */
export function useSource(source: DataSource): TuiState {
  const model = useMemo(() => createTuiModel(), [source]);
  useEffect(() => {
    source.start((event) => model.apply(event));
    return () => source.stop();
  }, [source, model]);
  return useSyncExternalStore(model.subscribe, model.getState);
}
