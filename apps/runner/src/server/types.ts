export interface ServerPlugin<T> {
  id: string;
  packageName: string;
  instance: T;
}
